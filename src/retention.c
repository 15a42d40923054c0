/*
 * retention.c
 *		funnel.retention(VARIADIC conds bool[]) -> bool[], as ClickHouse's
 *		retention: element 1 says condition 1 held on some row of the group,
 *		element i says condition 1 held on some row and condition i on some
 *		row (no order or time between them).  Every true condition of every
 *		row counts.
 *
 * The state is a bigint: bit i-1 = condition i held on some row, and bit
 * 32+n-1 says there are n conditions (so the final function knows the
 * array's length).  Partial states combine with int8or; one-hot, the count
 * survives the OR, and partial states of calls with different counts show
 * as two count bits, which the final function rejects.  On Citus the text
 * form is the number.
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "fmgr.h"
#include "utils/array.h"

#include "events.h"

#define RETENTION_NCONDS_SHIFT 32

/* the number of conditions of a state, 0 for none, -1 for several */
static int
state_nconds(uint64 state)
{
	uint32		bits = (uint32) (state >> RETENTION_NCONDS_SHIFT);

	if (bits == 0)
		return 0;
	if (bits & (bits - 1))
		return -1;
	return __builtin_ctz(bits) + 1;
}

/* the state after a row of n conditions whose true ones are mask */
static int64
retention_add(int64 state, uint64 mask, int n)
{
	int			have = state_nconds((uint64) state);

	if (n < 1 || n > EVENTS_MAX_CONDITIONS)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("retention takes 1 to %d conditions, not %d", EVENTS_MAX_CONDITIONS, n)));
	if (have != 0 && have != n)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("retention got %d conditions on one row and %d on another", n, have),
				 errdetail("Every row of a group must pass the same number of conditions.")));
	return (int64) ((uint64) state | mask | ((uint64) 1 << (RETENTION_NCONDS_SHIFT + n - 1)));
}

/* retention_transfn(state, conds[]): a row's conditions, from the VARIADIC array */
PG_FUNCTION_INFO_V1(retention_transfn);
Datum
retention_transfn(PG_FUNCTION_ARGS)
{
	int64		state = PG_ARGISNULL(0) ? 0 : PG_GETARG_INT64(0);
	ArrayType  *a;
	int			n;
	bits8	   *nulls;
	const bool *v;
	uint64		mask = 0;
	int			i;
	int			k = 0;

	if (PG_ARGISNULL(1))
		return events_state_unchanged(fcinfo);
	a = PG_GETARG_ARRAYTYPE_P(1);
	if (ARR_NDIM(a) > 1)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("retention conditions must be a one-dimensional array")));
	n = ARR_NDIM(a) == 0 ? 0 : ARR_DIMS(a)[0];
	if (n < 1 || n > EVENTS_MAX_CONDITIONS)
		PG_RETURN_INT64(retention_add(state, 0, n));	/* raises */
	nulls = ARR_NULLBITMAP(a);
	v = (const bool *) events_array_data(a);
	for (i = 0; i < n; i++)
	{
		if (!events_array_elem_present(nulls, i))
			continue;			/* NULL: not true */
		if (v[k++])
			mask |= (uint64) 1 << i;
	}
	PG_RETURN_INT64(retention_add(state, mask, n));
}

/*
 * retention_transfn_args(state, cond1, ..., condN): the overloads for 1 to 8
 * conditions, passed as separate boolean arguments (no array per row).
 */
PG_FUNCTION_INFO_V1(retention_transfn_args);
Datum
retention_transfn_args(PG_FUNCTION_ARGS)
{
	int64		state = PG_ARGISNULL(0) ? 0 : PG_GETARG_INT64(0);
	int			n = Min(PG_NARGS() - 1, EVENTS_MAX_CONDITIONS + 1);
	uint64		mask = 0;
	int			i;

	for (i = 0; i < n && i < EVENTS_MAX_CONDITIONS; i++)
		if (!PG_ARGISNULL(i + 1) && PG_GETARG_BOOL(i + 1))
			mask |= (uint64) 1 << i;
	PG_RETURN_INT64(retention_add(state, mask, n));
}

/*
 * retention's final function: element 1 = condition 1 held on some row,
 * element i = condition 1 and condition i did (22023 for partial states of
 * calls with different numbers of conditions)
 */
PG_FUNCTION_INFO_V1(retention_final);
Datum
retention_final(PG_FUNCTION_ARGS)
{
	uint64		state;
	int			n;
	Datum		elems[EVENTS_MAX_CONDITIONS];
	bool		first;
	int			i;

	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	state = (uint64) PG_GETARG_INT64(0);
	n = state_nconds(state);
	if (n < 1 || (state & ~(((uint64) 1 << (RETENTION_NCONDS_SHIFT + n - 1)) | (((uint64) 1 << n) - 1))) != 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid retention state " INT64_FORMAT, (int64) state),
				 errdetail("Partial states of retention calls with different numbers of conditions were combined.")));
	first = (state & 1) != 0;
	for (i = 0; i < n; i++)
		elems[i] = BoolGetDatum(first && (state & ((uint64) 1 << i)));
	PG_RETURN_ARRAYTYPE_P(construct_array(elems, n, BOOLOID, sizeof(bool), true, TYPALIGN_CHAR));
}
