/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* libcgm (placeholder until the library lands). */
#include <stdlib.h>

#include "cgm.h"

#define CGM_EXPORT __attribute__((visibility("default")))

CGM_EXPORT void cgm_strv_free(char **strv)
{
	if (!strv)
		return;
	for (char **s = strv; *s; s++)
		free(*s);
	free(strv);
}
