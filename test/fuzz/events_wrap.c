/*
 * test/fuzz/events_wrap.c
 *		src/events.c compiled into the fuzz targets with its static mode
 *		parser made reachable (window_funnel_mode target), so the source is
 *		fuzzed as it is, without an exported wrapper in the extension.
 */
#include "../../src/events.c"

extern uint8 fuzz_parse_mode(const char *s, int len, int code);
extern void fuzz_append_mode(StringInfo buf, uint8 mode);

uint8
fuzz_parse_mode(const char *s, int len, int code)
{
	return parse_mode(cstring_to_text_with_len(s, len), code, "window_funnel");
}

void
fuzz_append_mode(StringInfo buf, uint8 mode)
{
	append_mode(buf, mode);
}
