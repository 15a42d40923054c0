/*
 * textform.c
 *		The JSON text form shared by the extension's stored types: exact
 *		writers for numbers and strings, and a small reading layer over a
 *		value parsed by jsonb_in.
 *
 * Text forms are JSON so that users can look into a stored state with
 * ::text::jsonb, and so that parsing is PostgreSQL's own (jsonb_in).  Every
 * reader here checks the JSON type of what it reads and raises 22P02
 * (invalid_text_representation) naming the stored type and the field, so an
 * input function never trusts a value it has not checked.
 */
#include "postgres.h"

#include <math.h>

#include "common/shortest_dec.h"
#include "utils/fmgrprotos.h"
#include "utils/json.h"
#include "utils/jsonb.h"
#include "utils/numeric.h"

#include "registry_names.h"
#include "textform.h"

/*
 * Append the shortest decimal that reads back as exactly v (float8out's
 * digits with extra_float_digits = 1), so that a text form round-trips.
 */
void
append_float8(StringInfo buf, double v)
{
	char		tmp[DOUBLE_SHORTEST_DECIMAL_LEN];

	double_to_shortest_decimal_buf(v, tmp);
	appendStringInfoString(buf, tmp);
}

/* Append s as a JSON string literal, quoted and escaped as json_out does. */
void
append_json_string(StringInfo buf, const char *s)
{
	escape_json(buf, s);
}

/*
 * Raise 22P02 for malformed text input of type `type`, saying what is wrong:
 * the one error every reader below ends in.
 */
void
jin_bad(const char *type, const char *problem)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
			 errmsg("invalid input syntax for type %s: %s", type, problem)));
}

/*
 * The text form parsed by jsonb_in.  Its data exceptions -- a syntax error
 * (22P02) but also a number too large for numeric (22003) or an escape it
 * cannot convert (22P05) -- are malformed input of our type: 22P02, naming
 * our type, with what jsonb_in found wrong.  jsonb_in only parses into memory, so
 * nothing is left to clean up when its error is caught here; any other error
 * (out of memory, cancel) goes on as it was.
 */
JsonbContainer *
jin_parse(const char *str, const char *type)
{
	MemoryContext cxt = CurrentMemoryContext;
	Jsonb	   *volatile j = NULL;
	char	   *volatile problem = NULL;

	PG_TRY();
	{
		j = DatumGetJsonbP(DirectFunctionCall1(jsonb_in, CStringGetDatum(str)));
	}
	PG_CATCH();
	{
		ErrorData  *edata;

		MemoryContextSwitchTo(cxt);
		edata = CopyErrorData();
		if (ERRCODE_TO_CATEGORY(edata->sqlerrcode) != ERRCODE_DATA_EXCEPTION)
			PG_RE_THROW();
		FlushErrorState();
		/* json's detail says what is wrong ("Token "x" is invalid.") */
		problem = psprintf("not valid JSON: %s", edata->detail ? edata->detail : edata->message);
	}
	PG_END_TRY();
	if (problem != NULL)
		jin_bad(type, problem);
	if (!JB_ROOT_IS_OBJECT(j))
		jin_bad(type, "expected a JSON object");
	return &j->root;
}

/*
 * The value of key in a JSON object; a missing key is 22P02 when required,
 * and a missing or JSON null value is NULL to the caller.
 */
JsonbValue *
jin_get(JsonbContainer *obj, const char *key, bool required, const char *type)
{
	JsonbValue *v = getKeyJsonValueFromContainer(obj, key, strlen(key), NULL);

	if (v == NULL && required)
		jin_bad(type, psprintf("key \"%s\" is missing", key));
	if (v != NULL && v->type == jbvNull)
		return NULL;
	return v;
}

/*
 * A JSON number that must be an integer in int64's range (field names it in
 * the message); read from numeric_out's digits so that no rounding through
 * a double can accept a value that is not exact.
 */
int64
jin_int64(JsonbValue *v, const char *type, const char *field)
{
	char	   *str;
	char	   *end;
	long long	r;

	if (v == NULL || v->type != jbvNumeric)
		jin_bad(type, psprintf("\"%s\" must be a number", field));
	str = DatumGetCString(DirectFunctionCall1(numeric_out, NumericGetDatum(v->val.numeric)));
	errno = 0;
	r = strtoll(str, &end, 10);
	if (*end != '\0' || end == str)
		jin_bad(type, psprintf("\"%s\" must be an integer", field));
	if (errno == ERANGE)
		jin_bad(type, psprintf("\"%s\" is out of range", field));
	return (int64) r;
}

/*
 * A JSON number that must be a finite float8, rounded as float8in rounds
 * (field names it in the message).
 */
double
jin_float8(JsonbValue *v, const char *type, const char *field)
{
	char	   *str;
	char	   *end;
	double		d;

	if (v == NULL || v->type != jbvNumeric)
		jin_bad(type, psprintf("\"%s\" must be a number", field));
	/*
	 * strtod rounds as float8in does.  Like float8in, accept a subnormal
	 * value (strtod says ERANGE for one, but the output writes them and
	 * binary input takes them) and refuse a value that overflows or
	 * underflows to zero.  JSON "-0" is the numeric 0: +0.
	 */
	str = DatumGetCString(DirectFunctionCall1(numeric_out, NumericGetDatum(v->val.numeric)));
	errno = 0;
	d = strtod(str, &end);
	if (*end != '\0' || isnan(d) || isinf(d) || (errno == ERANGE && d == 0))
		jin_bad(type, psprintf("\"%s\" must be a finite float8", field));
	return d;
}

/*
 * The OID of a stage type named in a text value ("schema"."name" as
 * format_type_be_qualified prints it), or 22P02 -- never a parser error.
 * The lookup is the registry's (registry_names.c); this only says its
 * problem as a text-form error.
 */
Oid
jin_enum_type(const char *name, const char *type)
{
	const char *problem;
	Oid			typid = funnel_enum_type_by_name(name, &problem);

	if (!OidIsValid(typid))
		jin_bad(type, problem);
	return typid;
}

/* A JSON string, as a palloc'd C string. */
char *
jin_string(JsonbValue *v, const char *type, const char *field)
{
	if (v == NULL || v->type != jbvString)
		jin_bad(type, psprintf("\"%s\" must be a string", field));
	return pnstrdup(v->val.string.val, v->val.string.len);
}

/* A JSON array (field names it in the message). */
JsonbContainer *
jin_array(JsonbValue *v, const char *type, const char *field)
{
	if (v == NULL || v->type != jbvBinary || !JsonContainerIsArray(v->val.binary.data))
		jin_bad(type, psprintf("\"%s\" must be an array", field));
	return v->val.binary.data;
}

/* A JSON object (field names it in the message). */
JsonbContainer *
jin_object(JsonbValue *v, const char *type, const char *field)
{
	if (v == NULL || v->type != jbvBinary || !JsonContainerIsObject(v->val.binary.data))
		jin_bad(type, psprintf("\"%s\" must be an object", field));
	return v->val.binary.data;
}

/* The number of elements of a JSON array (or pairs of an object). */
uint32
jin_len(JsonbContainer *c)
{
	return JsonContainerSize(c);
}

/* Element i of a JSON array; the caller keeps i below jin_len(). */
JsonbValue *
jin_at(JsonbContainer *arr, uint32 i)
{
	return getIthJsonbValueFromContainer(arr, i);
}
