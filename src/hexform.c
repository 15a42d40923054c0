/*
 * hexform.c
 *		The hexadecimal text form of the state types whose text form is
 *		their binary form (window_funnel_detail.c, detail_report.c): the
 *		digits are checked here, the bytes by the type's own reader.
 */
#include "postgres.h"

#include <ctype.h>

#include "utils/builtins.h"

#include "hexform.h"

/* see hexform.h */
char *
hex_form_out(const char *data, Size len)
{
	char	   *out = palloc(len * 2 + 1);

	out[hex_encode(data, len, out)] = '\0';
	return out;
}

/* see hexform.h */
char *
hex_form_in(const char *s, Size *len, const char *type)
{
	Size		n = strlen(s);
	char	   *bytes;
	Size		i;

	for (i = 0; i < n; i++)
		if (!isxdigit((unsigned char) s[i]))
			break;
	if (n % 2 != 0 || i < n)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
				 errmsg("invalid input syntax for type %s", type),
				 errdetail("The text form is an even number of hexadecimal digits.")));
	bytes = palloc(n / 2 + 1);
	*len = hex_decode(s, n, bytes);
	return bytes;
}
