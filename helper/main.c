/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* cgmd entry point (placeholder until the daemon lands). */
#include <stdio.h>

int main(void)
{
	fputs("cgmd: not built yet\n", stderr);
	return 1;
}
