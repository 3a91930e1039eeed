/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* cgm command-line client (placeholder until the client lands). */
#include <stdio.h>

int main(void)
{
	fputs("cgm: not built yet\n", stderr);
	return 1;
}
