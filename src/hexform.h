/*
 * hexform.h
 *		The hexadecimal text form of the state types whose text form is
 *		their binary form (funnel.detail_events, funnel.detail_report).
 */
#ifndef FUNNEL_HEXFORM_H
#define FUNNEL_HEXFORM_H

#include "postgres.h"

/* len bytes as a C string of hexadecimal digits, palloc'd */
extern char *hex_form_out(const char *data, Size len);

/*
 * The bytes of a C string of hexadecimal digits, palloc'd, their number in
 * *len; 22P02 naming type for anything but an even number of hex digits.
 */
extern char *hex_form_in(const char *s, Size *len, const char *type);

#endif							/* FUNNEL_HEXFORM_H */
