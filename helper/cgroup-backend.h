/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Placeholder: the backend vtable, being written. */
#pragma once
