/*
 * pgshim.c
 *		The backend API the extension's input, receive and pattern/mode
 *		parsers call, reimplemented outside the server so that libFuzzer can
 *		drive them in-process (funnel_fuzz.c).
 *
 * What is real and what is a model:
 *	- Memory: palloc and friends are malloc, one allocation each, so that
 *	  AddressSanitizer sees every allocation on its own (a memory context
 *	  would hide overflows between neighbouring chunks).  Every live
 *	  allocation is recorded; shim_reset() frees them all after each input,
 *	  as the end of a query frees its contexts.  Requests above MaxAllocSize
 *	  raise XX000, as palloc does.
 *	- Errors: ereport/elog record the SQLSTATE and message and siglongjmp to
 *	  the innermost PG_TRY (the real macros), so PG_CATCH, CopyErrorData and
 *	  PG_RE_THROW work as in the server.  ERROR without errcode is XX000.
 *	- JSON: the real lexer and parser of libpgcommon (pg_parse_json), with
 *	  jsonb_in's rules on top (numbers through numeric_in, \u0000 is 22P05,
 *	  duplicate keys keep the last value).  The jsonb container is a tree
 *	  behind the real header word, read only through the functions below.
 *	- numeric: the real stored format (short and long headers, base-10000
 *	  digits), with numeric_in/out/recv/send/add written to PostgreSQL 15's
 *	  documented rules (overflow is 22003 "value overflows numeric format",
 *	  recv checks length, sign, scale and digits and truncates to dscale).
 *	- Catalog: a fixed fake catalog of namespaces, types and enum labels
 *	  (three registered funnels, an enum that is not a funnel, int4) behind
 *	  SearchSysCache, TypenameGetTypid, format_type, and a fake registry
 *	  (funnel_def_refresh) built from it; client and server encodings are
 *	  both UTF-8; fninfo.c's cache is a stub (funnel_fn_rettype is
 *	  shim_fn_rettype).
 *	- Date/time input: a small model of ParseDateTime/DecodeDateTime that
 *	  reads ISO dates, times and numeric zones, the special words, "BC",
 *	  and raises 22023 for an alphabetic zone name as DecodeDateTime does
 *	  for an unknown one; timestamp2tm/tm2timestamp are exact (UTC).
 *	- StringInfo, psprintf, snprintf, the shortest-double printer and UTF-8
 *	  helpers are the real ones from libpgcommon/libpgport.
 * Anything else the linked files reference aborts if it is ever reached.
 */
#include "postgres.h"

#include <setjmp.h>
#include <ctype.h>

#include "access/htup_details.h"
#include "catalog/pg_enum.h"
#include "catalog/pg_type.h"
#include "common/int.h"
#include "common/jsonapi.h"
#include "fmgr.h"
#include "funcapi.h"
#include "lib/stringinfo.h"
#include "libpq/pqformat.h"
#include "mb/pg_wchar.h"
#include "miscadmin.h"
#include "nodes/execnodes.h"
#include "nodes/pg_list.h"
#include "port/pg_bswap.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/datetime.h"
#include "utils/datum.h"
#include "utils/expandeddatum.h"
#include "utils/hsearch.h"
#include "utils/json.h"
#include "utils/jsonb.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/numeric.h"
#include "utils/syscache.h"
#include "utils/timestamp.h"
#include "utils/varlena.h"

#include "fninfo.h"
#include "registry.h"
#include "pgshim.h"
#include "state.h"

/* ================================================================ memory */

/*
 * Live allocations: an open-addressing set of pointers, plus the list of
 * slots used since the last reset, so that a reset touches only those.
 */
static void **live;
static size_t live_cap;
static size_t live_n;
static size_t *touched;
static size_t touched_n;
static size_t touched_cap;

static size_t
ptr_slot(void *p, size_t cap)
{
	uintptr_t	h = (uintptr_t) p;

	h ^= h >> 17;
	h *= UINT64CONST(0x9E3779B97F4A7C15);
	return (size_t) (h >> 20) & (cap - 1);
}

static void live_add(void *p);

static void
live_grow(void)
{
	void	  **old = live;
	size_t		oldcap = live_cap;
	size_t		i;

	live_cap = oldcap ? oldcap * 2 : 1024;
	live = calloc(live_cap, sizeof(void *));
	if (live == NULL)
		abort();
	live_n = 0;
	touched_n = 0;
	for (i = 0; i < oldcap; i++)
		if (old[i] != NULL && old[i] != (void *) 1)
			live_add(old[i]);
	free(old);
}

static void
live_add(void *p)
{
	size_t		s;

	if ((live_n + touched_n / 2 + 1) * 2 > live_cap)
		live_grow();
	s = ptr_slot(p, live_cap);
	while (live[s] != NULL && live[s] != (void *) 1)
		s = (s + 1) & (live_cap - 1);
	live[s] = p;
	live_n++;
	if (touched_n == touched_cap)
	{
		touched_cap = touched_cap ? touched_cap * 2 : 1024;
		touched = realloc(touched, touched_cap * sizeof(size_t));
		if (touched == NULL)
			abort();
	}
	touched[touched_n++] = s;
}

/* remove p; false when it is not a live allocation */
static bool
live_remove(void *p)
{
	size_t		s;

	if (live_cap == 0)
		return false;
	s = ptr_slot(p, live_cap);
	while (live[s] != NULL)
	{
		if (live[s] == p)
		{
			live[s] = (void *) 1;	/* tombstone */
			live_n--;
			return true;
		}
		s = (s + 1) & (live_cap - 1);
	}
	return false;
}

void
shim_reset(void)
{
	size_t		i;

	for (i = 0; i < touched_n; i++)
	{
		void	   *p = live[touched[i]];

		if (p != NULL && p != (void *) 1)
			free(p);
		live[touched[i]] = NULL;
	}
	live_n = 0;
	touched_n = 0;
	/* a big input grew the set: give the memory back */
	if (live_cap > 65536)
	{
		free(live);
		live = NULL;
		live_cap = 0;
	}
}

long
shim_live_allocations(void)
{
	return (long) live_n;
}

static MemoryContextData shim_context;
MemoryContext CurrentMemoryContext = &shim_context;
MemoryContext TopMemoryContext = &shim_context;
MemoryContext CacheMemoryContext = &shim_context;

static void *
shim_alloc(Size size, bool zero)
{
	void	   *p;

	if (!AllocSizeIsValid(size))
		elog(ERROR, "invalid memory alloc request size %zu", size);
	p = zero ? calloc(1, size ? size : 1) : malloc(size ? size : 1);
	if (p == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_OUT_OF_MEMORY),
				 errmsg("out of memory")));
	live_add(p);
	return p;
}

void *
palloc(Size size)
{
	return shim_alloc(size, false);
}

void *
palloc0(Size size)
{
	return shim_alloc(size, true);
}

void *
palloc_extended(Size size, int flags)
{
	return shim_alloc(size, (flags & MCXT_ALLOC_ZERO) != 0);
}

void *
MemoryContextAlloc(MemoryContext context, Size size)
{
	return shim_alloc(size, false);
}

void *
MemoryContextAllocZero(MemoryContext context, Size size)
{
	return shim_alloc(size, true);
}

void *
MemoryContextAllocZeroAligned(MemoryContext context, Size size)
{
	return shim_alloc(size, true);
}

void *
MemoryContextAllocExtended(MemoryContext context, Size size, int flags)
{
	return shim_alloc(size, (flags & MCXT_ALLOC_ZERO) != 0);
}

void
pfree(void *pointer)
{
	/* a pointer we do not know goes to free() anyway: ASan names the bug */
	(void) live_remove(pointer);
	free(pointer);
}

/* realloc of a live allocation whose size the caller has checked */
static void *
shim_realloc(void *pointer, Size size)
{
	void	   *p;

	(void) live_remove(pointer);
	p = realloc(pointer, size ? size : 1);
	if (p == NULL)
		abort();
	live_add(p);
	return p;
}

void *
repalloc(void *pointer, Size size)
{
	if (!AllocSizeIsValid(size))
		elog(ERROR, "invalid memory alloc request size %zu", size);
	return shim_realloc(pointer, size);
}

/* repalloc up to MaxAllocHugeSize (seqstore.c's row arrays) */
void *
repalloc_huge(void *pointer, Size size)
{
	if (!AllocHugeSizeIsValid(size))
		elog(ERROR, "invalid memory alloc request size %zu", size);
	return shim_realloc(pointer, size);
}

/* the shim's database encoding: UTF-8 */
int
GetDatabaseEncoding(void)
{
	return PG_UTF8;
}

/*
 * Is the string valid in the encoding (a NUL byte is not)?  As mbutils.c:
 * false with noError, else 22021.
 */
bool
pg_verify_mbstr(int encoding, const char *mbstr, int len, bool noError)
{
	if (pg_encoding_verifymbstr(encoding, mbstr, len) == len)
		return true;
	if (noError)
		return false;
	ereport(ERROR,
			(errcode(ERRCODE_CHARACTER_NOT_IN_REPERTOIRE),
			 errmsg("invalid byte sequence for encoding \"UTF8\"")));
	return false;
}

char *
MemoryContextStrdup(MemoryContext context, const char *string)
{
	return pstrdup(string);
}

char *
pstrdup(const char *in)
{
	size_t		n = strlen(in);
	char	   *p = palloc(n + 1);

	memcpy(p, in, n + 1);
	return p;
}

char *
pnstrdup(const char *in, Size len)
{
	size_t		n = strnlen(in, len);
	char	   *p = palloc(n + 1);

	memcpy(p, in, n);
	p[n] = '\0';
	return p;
}

MemoryContext
AllocSetContextCreateInternal(MemoryContext parent, const char *name, Size minContextSize,
							  Size initBlockSize, Size maxBlockSize)
{
	return palloc0(sizeof(MemoryContextData));
}

void
MemoryContextRegisterResetCallback(MemoryContext context, MemoryContextCallback *cb)
{
}

void
MemoryContextSetParent(MemoryContext context, MemoryContext new_parent)
{
}

void
MemoryContextDelete(MemoryContext context)
{
}

void
MemoryContextReset(MemoryContext context)
{
}

/* ================================================================ errors */

ShimError	shim_last_error;
sigjmp_buf *PG_exception_stack = NULL;
ErrorContextCallback *error_context_stack = NULL;
volatile sig_atomic_t InterruptPending = false;

static ShimError cur;
static char scratch[1024];

bool
errstart(int elevel, const char *domain)
{
	if (elevel < ERROR)
		return false;			/* notices and warnings: nothing to check */
	memset(&cur, 0, sizeof(cur));
	cur.elevel = elevel;
	cur.sqlerrcode = ERRCODE_INTERNAL_ERROR;
	return true;
}

bool
errstart_cold(int elevel, const char *domain)
{
	return errstart(elevel, domain);
}

int
errcode(int sqlerrcode)
{
	cur.sqlerrcode = sqlerrcode;
	return 0;
}

int
errmsg(const char *fmt,...)
{
	va_list		ap;

	va_start(ap, fmt);
	vsnprintf(cur.message, sizeof(cur.message), fmt, ap);
	va_end(ap);
	return 0;
}

int
errmsg_internal(const char *fmt,...)
{
	va_list		ap;

	va_start(ap, fmt);
	vsnprintf(cur.message, sizeof(cur.message), fmt, ap);
	va_end(ap);
	return 0;
}

/* hints and context are formatted (a bad argument would show) and dropped */
#define SHIM_FORMAT_AND_DROP(name) \
int \
name(const char *fmt,...) \
{ \
	va_list		ap; \
	va_start(ap, fmt); \
	vsnprintf(scratch, sizeof(scratch), fmt, ap); \
	va_end(ap); \
	return 0; \
}
SHIM_FORMAT_AND_DROP(errhint)

int
errdetail(const char *fmt,...)
{
	va_list		ap;

	va_start(ap, fmt);
	vsnprintf(cur.detail, sizeof(cur.detail), fmt, ap);
	va_end(ap);
	return 0;
}

int
errdetail_internal(const char *fmt,...)
{
	va_list		ap;

	va_start(ap, fmt);
	vsnprintf(cur.detail, sizeof(cur.detail), fmt, ap);
	va_end(ap);
	return 0;
}
SHIM_FORMAT_AND_DROP(errcontext_msg)

int
errposition(int cursorpos)
{
	return 0;
}

void
errfinish(const char *filename, int lineno, const char *funcname)
{
	cur.filename = filename;
	cur.lineno = lineno;
	shim_last_error = cur;
	if (cur.elevel >= FATAL || PG_exception_stack == NULL)
	{
		fprintf(stderr, "pgshim: uncaught error level %d at %s:%d: %s\n",
				cur.elevel, filename, lineno, cur.message);
		abort();
	}
	siglongjmp(*PG_exception_stack, 1);
}

void
pg_re_throw(void)
{
	if (PG_exception_stack == NULL)
		abort();
	siglongjmp(*PG_exception_stack, 1);
}

ErrorData *
CopyErrorData(void)
{
	ErrorData  *e = palloc0(sizeof(ErrorData));

	e->elevel = shim_last_error.elevel;
	e->sqlerrcode = shim_last_error.sqlerrcode;
	e->message = pstrdup(shim_last_error.message);
	e->detail = shim_last_error.detail[0] ? pstrdup(shim_last_error.detail) : NULL;
	e->filename = shim_last_error.filename;
	e->lineno = shim_last_error.lineno;
	return e;
}

void
FlushErrorState(void)
{
}

const char *
shim_sqlstate(int code)
{
	static char buf[6];
	int			i;

	for (i = 0; i < 5; i++)
	{
		buf[i] = PGUNSIXBIT(code);
		code >>= 6;
	}
	buf[5] = '\0';
	return buf;
}

void
ProcessInterrupts(void)
{
}

static void shim_unreachable(const char *what) pg_attribute_noreturn();

static void
shim_unreachable(const char *what)
{
	fprintf(stderr, "pgshim: %s is not part of the shim, yet it was called\n", what);
	abort();
}

/* ================================================================ fmgr */

Oid			shim_fn_rettype = InvalidOid;

void
shim_flinfo(FmgrInfo *fl, PGFunction fn)
{
	memset(fl, 0, sizeof(FmgrInfo));
	fl->fn_addr = fn;
	fl->fn_oid = InvalidOid;
	fl->fn_nargs = 3;
	fl->fn_strict = true;
	fl->fn_mcxt = CurrentMemoryContext;
}

Datum
shim_call(FmgrInfo *fl, PGFunction fn, int nargs, Datum a0, Datum a1, Datum a2)
{
	LOCAL_FCINFO(fcinfo, 3);
	Datum		r;

	InitFunctionCallInfoData(*fcinfo, fl, nargs, InvalidOid, NULL, NULL);
	fcinfo->args[0].value = a0;
	fcinfo->args[0].isnull = false;
	fcinfo->args[1].value = a1;
	fcinfo->args[1].isnull = false;
	fcinfo->args[2].value = a2;
	fcinfo->args[2].isnull = false;
	r = fn(fcinfo);
	if (fcinfo->isnull)
		elog(ERROR, "function returned NULL");
	return r;
}

Datum
DirectFunctionCall1Coll(PGFunction func, Oid collation, Datum arg1)
{
	return shim_call(NULL, func, 1, arg1, 0, 0);
}

Datum
DirectFunctionCall2Coll(PGFunction func, Oid collation, Datum arg1, Datum arg2)
{
	return shim_call(NULL, func, 2, arg1, arg2, 0);
}

Datum
DirectFunctionCall3Coll(PGFunction func, Oid collation, Datum arg1, Datum arg2, Datum arg3)
{
	return shim_call(NULL, func, 3, arg1, arg2, arg3);
}

Oid
get_fn_expr_argtype(FmgrInfo *flinfo, int argnum)
{
	return InvalidOid;
}

Oid
get_fn_expr_rettype(FmgrInfo *flinfo)
{
	return shim_fn_rettype;
}

int
AggCheckCallContext(FunctionCallInfo fcinfo, MemoryContext *aggcontext)
{
	if (aggcontext)
		*aggcontext = NULL;
	return 0;					/* never inside an aggregate here */
}

struct varlena *
pg_detoast_datum(struct varlena *datum)
{
	if (VARATT_IS_EXTERNAL_EXPANDED(datum))
	{
		ExpandedObjectHeader *eoh = DatumGetEOHP(PointerGetDatum(datum));
		Size		size = EOH_get_flat_size(eoh);
		void	   *flat = palloc(size);

		EOH_flatten_into(eoh, flat, size);
		return flat;
	}
	if (VARATT_IS_EXTERNAL(datum) || VARATT_IS_COMPRESSED(datum))
		shim_unreachable("detoasting an external or compressed value");
	if (VARATT_IS_SHORT(datum))
	{
		Size		len = VARSIZE_SHORT(datum) - VARHDRSZ_SHORT;
		struct varlena *r = palloc(len + VARHDRSZ);

		SET_VARSIZE(r, len + VARHDRSZ);
		memcpy(VARDATA(r), VARDATA_SHORT(datum), len);
		return r;
	}
	return datum;
}

struct varlena *
pg_detoast_datum_copy(struct varlena *datum)
{
	struct varlena *r = pg_detoast_datum(datum);

	if (r == datum)
	{
		r = palloc(VARSIZE(datum));
		memcpy(r, datum, VARSIZE(datum));
	}
	return r;
}

struct varlena *
pg_detoast_datum_packed(struct varlena *datum)
{
	if (VARATT_IS_EXTERNAL(datum) || VARATT_IS_COMPRESSED(datum))
		return pg_detoast_datum(datum);
	return datum;
}

text *
cstring_to_text(const char *s)
{
	return cstring_to_text_with_len(s, strlen(s));
}

text *
cstring_to_text_with_len(const char *s, int len)
{
	text	   *t = palloc(len + VARHDRSZ);

	SET_VARSIZE(t, len + VARHDRSZ);
	memcpy(VARDATA(t), s, len);
	return t;
}

char *
text_to_cstring(const text *t)
{
	text	   *tunpacked = pg_detoast_datum_packed(unconstify(text *, t));
	int			len = VARSIZE_ANY_EXHDR(tunpacked);
	char	   *r = palloc(len + 1);

	memcpy(r, VARDATA_ANY(tunpacked), len);
	r[len] = '\0';
	return r;
}

/* expanded objects (the state types' in-memory form) */
ExpandedObjectHeader *
DatumGetEOHP(Datum d)
{
	varattrib_1b_e *datum = (varattrib_1b_e *) DatumGetPointer(d);
	varatt_expanded ptr;

	Assert(VARATT_IS_EXTERNAL_EXPANDED(datum));
	memcpy(&ptr, &datum->va_data, sizeof(ptr));
	return ptr.eohptr;
}

void
EOH_init_header(ExpandedObjectHeader *eohptr, const ExpandedObjectMethods *methods,
				MemoryContext obj_context)
{
	varatt_expanded ptr;

	eohptr->vl_len_ = EOH_HEADER_MAGIC;
	eohptr->eoh_methods = methods;
	eohptr->eoh_context = obj_context;
	ptr.eohptr = eohptr;
	SET_VARTAG_EXTERNAL(eohptr->eoh_rw_ptr, VARTAG_EXPANDED_RW);
	memcpy(VARDATA_EXTERNAL(eohptr->eoh_rw_ptr), &ptr, sizeof(ptr));
	SET_VARTAG_EXTERNAL(eohptr->eoh_ro_ptr, VARTAG_EXPANDED_RO);
	memcpy(VARDATA_EXTERNAL(eohptr->eoh_ro_ptr), &ptr, sizeof(ptr));
}

Size
EOH_get_flat_size(ExpandedObjectHeader *eohptr)
{
	return eohptr->eoh_methods->get_flat_size(eohptr);
}

void
EOH_flatten_into(ExpandedObjectHeader *eohptr, void *result, Size allocated_size)
{
	eohptr->eoh_methods->flatten_into(eohptr, result, allocated_size);
}

/* datumCopy (utils/adt/datum.c): a by-reference value copied, an expanded one flattened */
Datum
datumCopy(Datum value, bool typByVal, int typLen)
{
	Size		size;
	char	   *r;

	if (typByVal)
		return value;
	if (typLen == -1 && VARATT_IS_EXTERNAL_EXPANDED(DatumGetPointer(value)))
	{
		ExpandedObjectHeader *eoh = DatumGetEOHP(value);

		size = EOH_get_flat_size(eoh);
		r = palloc(size);
		EOH_flatten_into(eoh, r, size);
		return PointerGetDatum(r);
	}
	if (typLen == -1)
		size = VARSIZE_ANY(DatumGetPointer(value));
	else if (typLen == -2)
		size = strlen(DatumGetCString(value)) + 1;
	else
		size = typLen;
	r = palloc(size);
	memcpy(r, DatumGetPointer(value), size);
	return PointerGetDatum(r);
}

/* a one-dimensional array, as construct_array builds it */
ArrayType *
construct_array(Datum *elems, int nelems, Oid elmtype, int elmlen, bool elmbyval, char elmalign)
{
	ArrayType  *a;
	Size		hdr = ARR_OVERHEAD_NONULLS(1);
	Size		size;
	int			i;
	char	   *p;

	if (nelems == 0)
	{
		a = palloc0(sizeof(ArrayType));
		SET_VARSIZE(a, sizeof(ArrayType));
		a->elemtype = elmtype;
		return a;
	}
	if (elmlen <= 0)
		shim_unreachable("construct_array of a varlena type");
	size = hdr + (Size) nelems * att_align_nominal(elmlen, elmalign);
	a = palloc0(size);
	SET_VARSIZE(a, size);
	a->ndim = 1;
	a->dataoffset = 0;
	a->elemtype = elmtype;
	ARR_DIMS(a)[0] = nelems;
	ARR_LBOUND(a)[0] = 1;
	p = ARR_DATA_PTR(a);
	for (i = 0; i < nelems; i++)
	{
		if (elmbyval)
			store_att_byval(p, elems[i], elmlen);
		else
			memcpy(p, DatumGetPointer(elems[i]), elmlen);
		p += att_align_nominal(elmlen, elmalign);
	}
	return a;
}

/* ================================================================ pqformat */

void
pq_begintypsend(StringInfo buf)
{
	initStringInfo(buf);
	appendStringInfoCharMacro(buf, '\0');
	appendStringInfoCharMacro(buf, '\0');
	appendStringInfoCharMacro(buf, '\0');
	appendStringInfoCharMacro(buf, '\0');
}

bytea *
pq_endtypsend(StringInfo buf)
{
	bytea	   *result = (bytea *) buf->data;

	SET_VARSIZE(result, buf->len);
	return result;
}

void
pq_sendbytes(StringInfo buf, const char *data, int datalen)
{
	appendBinaryStringInfo(buf, data, datalen);
}

static void
insufficient_data(void)
{
	ereport(ERROR,
			(errcode(ERRCODE_PROTOCOL_VIOLATION),
			 errmsg("insufficient data left in message")));
}

unsigned int
pq_getmsgint(StringInfo msg, int b)
{
	unsigned int result;
	unsigned char n8;
	uint16		n16;
	uint32		n32;

	if (msg->cursor < 0 || b > msg->len - msg->cursor)
		insufficient_data();
	switch (b)
	{
		case 1:
			memcpy(&n8, msg->data + msg->cursor, 1);
			result = n8;
			break;
		case 2:
			memcpy(&n16, msg->data + msg->cursor, 2);
			result = pg_ntoh16(n16);
			break;
		case 4:
			memcpy(&n32, msg->data + msg->cursor, 4);
			result = pg_ntoh32(n32);
			break;
		default:
			elog(ERROR, "unsupported integer size %d", b);
			result = 0;
	}
	msg->cursor += b;
	return result;
}

int64
pq_getmsgint64(StringInfo msg)
{
	uint64		n64;

	if (msg->cursor < 0 || 8 > msg->len - msg->cursor)
		insufficient_data();
	memcpy(&n64, msg->data + msg->cursor, 8);
	msg->cursor += 8;
	return (int64) pg_ntoh64(n64);
}

const char *
pq_getmsgbytes(StringInfo msg, int datalen)
{
	const char *result;

	if (datalen < 0 || datalen > (msg->len - msg->cursor))
		insufficient_data();
	result = &msg->data[msg->cursor];
	msg->cursor += datalen;
	return result;
}

/* ================================================================ numeric */

#define NUM_POS 0x0000
#define NUM_NEG 0x4000
#define NUM_SHORT 0x8000
#define NUM_SPECIAL 0xC000
#define NUM_NAN 0xC000
#define NUM_PINF 0xD000
#define NUM_NINF 0xF000
#define NUM_SIGN_MASK 0xC000
#define NUM_DSCALE_MASK 0x3FFF
#define NBASE 10000

typedef struct NumVar
{
	int			ndigits;
	int			weight;			/* of digits[0], base 10000 */
	int			sign;			/* NUM_POS, NUM_NEG, NUM_NAN, NUM_PINF, NUM_NINF */
	int			dscale;
	int16	   *digits;
} NumVar;

static void
num_overflow(void)
{
	ereport(ERROR,
			(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
			 errmsg("value overflows numeric format")));
}

/* strip zero digits at both ends; make a zero canonical */
static void
num_strip(NumVar *v)
{
	while (v->ndigits > 0 && v->digits[0] == 0)
	{
		v->digits++;
		v->ndigits--;
		v->weight--;
	}
	while (v->ndigits > 0 && v->digits[v->ndigits - 1] == 0)
		v->ndigits--;
	if (v->ndigits == 0)
	{
		v->weight = 0;
		if (v->sign == NUM_NEG)
			v->sign = NUM_POS;
	}
}

/* the stored form, short header when it fits (make_result) */
static Numeric
num_make(NumVar *v)
{
	Numeric		r;
	Size		len;
	uint16		hdr;
	char	   *p;
	int			i;

	if (v->sign == NUM_NAN || v->sign == NUM_PINF || v->sign == NUM_NINF)
	{
		len = VARHDRSZ + sizeof(uint16);
		r = palloc(len);
		SET_VARSIZE(r, len);
		hdr = (uint16) v->sign;
		memcpy(VARDATA(r), &hdr, sizeof(hdr));
		return r;
	}
	num_strip(v);
	if (v->weight > PG_INT16_MAX || v->weight < PG_INT16_MIN || v->dscale > NUM_DSCALE_MASK)
		num_overflow();
	if (v->dscale <= 0x3F && v->weight >= -64 && v->weight <= 63)
	{
		len = VARHDRSZ + sizeof(uint16) + v->ndigits * sizeof(int16);
		r = palloc(len);
		SET_VARSIZE(r, len);
		hdr = NUM_SHORT | (v->sign == NUM_NEG ? 0x2000 : 0) | (v->dscale << 7) |
			(v->weight < 0 ? 0x40 | (v->weight & 0x3F) : v->weight);
		p = VARDATA(r);
		memcpy(p, &hdr, 2);
		p += 2;
	}
	else
	{
		int16		w = (int16) v->weight;

		len = VARHDRSZ + 2 * sizeof(uint16) + v->ndigits * sizeof(int16);
		r = palloc(len);
		SET_VARSIZE(r, len);
		hdr = (uint16) v->sign | (uint16) v->dscale;
		p = VARDATA(r);
		memcpy(p, &hdr, 2);
		memcpy(p + 2, &w, 2);
		p += 4;
	}
	for (i = 0; i < v->ndigits; i++)
		memcpy(p + 2 * i, &v->digits[i], 2);
	return r;
}

/* read a stored numeric (either header) */
static void
num_read(Numeric n, NumVar *v)
{
	struct varlena *d = pg_detoast_datum_packed((struct varlena *) n);
	const char *body = VARDATA_ANY(d);
	Size		len = VARSIZE_ANY_EXHDR(d);
	uint16		hdr;
	const char *digits;
	int			i;

	memset(v, 0, sizeof(*v));
	if (len < 2)
		shim_unreachable("a numeric shorter than its header");
	memcpy(&hdr, body, 2);
	if ((hdr & NUM_SIGN_MASK) == NUM_SPECIAL)
	{
		v->sign = hdr & 0xF000;
		return;
	}
	if ((hdr & NUM_SIGN_MASK) == NUM_SHORT)
	{
		v->sign = (hdr & 0x2000) ? NUM_NEG : NUM_POS;
		v->dscale = (hdr & 0x1F80) >> 7;
		v->weight = (hdr & 0x3F) - ((hdr & 0x40) ? 64 : 0);
		digits = body + 2;
		v->ndigits = (int) ((len - 2) / 2);
	}
	else
	{
		int16		w;

		memcpy(&w, body + 2, 2);
		v->sign = hdr & NUM_SIGN_MASK;
		v->dscale = hdr & NUM_DSCALE_MASK;
		v->weight = w;
		digits = body + 4;
		v->ndigits = (int) ((len - 4) / 2);
	}
	v->digits = palloc(sizeof(int16) * Max(v->ndigits, 1));
	for (i = 0; i < v->ndigits; i++)
		memcpy(&v->digits[i], digits + 2 * i, 2);
}

static void
num_bad_syntax(const char *str)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
			 errmsg("invalid input syntax for type %s: \"%s\"", "numeric", str)));
}

static int
floor_div4(int p)
{
	return p >= 0 ? p / 4 : -((-p + 3) / 4);
}

/* numeric_in with typmod -1 */
static Numeric
num_from_str(const char *str)
{
	const char *cp = str;
	NumVar		v;
	bool		neg = false;
	bool		seen_dot = false;
	int			nint = 0;		/* digits before the point */
	int			nfrac = 0;		/* digits after it */
	const char *dstart;
	long		exponent = 0;
	int			dweight;
	int			lo;
	int			hi;
	int			i;
	int			p;

	memset(&v, 0, sizeof(v));
	while (*cp && isspace((unsigned char) *cp))
		cp++;
	if (pg_strncasecmp(cp, "NaN", 3) == 0)
	{
		v.sign = NUM_NAN;
		cp += 3;
	}
	else if (pg_strncasecmp(cp, "Infinity", 8) == 0)
		v.sign = NUM_PINF, cp += 8;
	else if (pg_strncasecmp(cp, "+Infinity", 9) == 0)
		v.sign = NUM_PINF, cp += 9;
	else if (pg_strncasecmp(cp, "-Infinity", 9) == 0)
		v.sign = NUM_NINF, cp += 9;
	else if (pg_strncasecmp(cp, "inf", 3) == 0)
		v.sign = NUM_PINF, cp += 3;
	else if (pg_strncasecmp(cp, "+inf", 4) == 0)
		v.sign = NUM_PINF, cp += 4;
	else if (pg_strncasecmp(cp, "-inf", 4) == 0)
		v.sign = NUM_NINF, cp += 4;
	if (v.sign != NUM_POS)
	{
		while (*cp && isspace((unsigned char) *cp))
			cp++;
		if (*cp)
			num_bad_syntax(str);
		return num_make(&v);
	}

	if (*cp == '+')
		cp++;
	else if (*cp == '-')
		neg = true, cp++;
	if (*cp == '.')
	{
		seen_dot = true;
		cp++;
	}
	if (!isdigit((unsigned char) *cp))
		num_bad_syntax(str);
	dstart = cp;
	while (*cp)
	{
		if (isdigit((unsigned char) *cp))
		{
			if (seen_dot)
				nfrac++;
			else
				nint++;
			cp++;
		}
		else if (*cp == '.' && !seen_dot)
		{
			seen_dot = true;
			cp++;
		}
		else
			break;
	}
	if (*cp == 'e' || *cp == 'E')
	{
		char	   *end;

		cp++;
		exponent = strtol(cp, &end, 10);
		if (end == cp)
			num_bad_syntax(str);
		cp = end;
		if (exponent >= INT_MAX / 2 || exponent <= -(INT_MAX / 2))
			num_overflow();
	}
	while (*cp && isspace((unsigned char) *cp))
		cp++;
	if (*cp)
		num_bad_syntax(str);

	/* decimal digit k (0-based over nint + nfrac) stands at 10^(dweight - k) */
	dweight = nint - 1 + (int) exponent;
	v.dscale = Max(0, nfrac - (int) exponent);
	v.sign = neg ? NUM_NEG : NUM_POS;
	hi = floor_div4(dweight);
	lo = floor_div4(dweight - (nint + nfrac - 1));
	v.weight = hi;
	v.ndigits = hi - lo + 1;
	v.digits = palloc0(sizeof(int16) * v.ndigits);
	p = dweight;
	for (i = 0; dstart[i] && (isdigit((unsigned char) dstart[i]) || dstart[i] == '.'); i++)
	{
		static const int pow10[4] = {1, 10, 100, 1000};

		if (dstart[i] == '.')
			continue;
		v.digits[hi - floor_div4(p)] += (int16) ((dstart[i] - '0') * pow10[p - 4 * floor_div4(p)]);
		p--;
	}
	return num_make(&v);
}

static char *
num_to_str(NumVar *v)
{
	StringInfoData buf;
	int			w;
	int			i;
	int			printed;

	if (v->sign == NUM_NAN)
		return pstrdup("NaN");
	if (v->sign == NUM_PINF)
		return pstrdup("Infinity");
	if (v->sign == NUM_NINF)
		return pstrdup("-Infinity");
	initStringInfo(&buf);
	if (v->sign == NUM_NEG)
		appendStringInfoChar(&buf, '-');
	if (v->weight < 0 || v->ndigits == 0)
		appendStringInfoChar(&buf, '0');
	else
		for (w = v->weight; w >= 0; w--)
		{
			int			d = (v->weight - w < v->ndigits) ? v->digits[v->weight - w] : 0;

			appendStringInfo(&buf, w == v->weight ? "%d" : "%04d", d);
		}
	if (v->dscale > 0)
	{
		appendStringInfoChar(&buf, '.');
		printed = 0;
		for (w = -1; printed < v->dscale; w--)
		{
			int			idx = v->weight - w;
			int			d = (idx >= 0 && idx < v->ndigits) ? v->digits[idx] : 0;
			char		four[5];

			snprintf(four, sizeof(four), "%04d", d);
			for (i = 0; i < 4 && printed < v->dscale; i++, printed++)
				appendStringInfoChar(&buf, four[i]);
		}
	}
	return buf.data;
}

Datum
numeric_in(PG_FUNCTION_ARGS)
{
	PG_RETURN_NUMERIC(num_from_str(PG_GETARG_CSTRING(0)));
}

Datum
numeric_out(PG_FUNCTION_ARGS)
{
	NumVar		v;

	num_read(PG_GETARG_NUMERIC(0), &v);
	PG_RETURN_CSTRING(num_to_str(&v));
}

bool
numeric_is_nan(Numeric num)
{
	NumVar		v;

	num_read(num, &v);
	return v.sign == NUM_NAN;
}

bool
numeric_is_inf(Numeric num)
{
	NumVar		v;

	num_read(num, &v);
	return v.sign == NUM_PINF || v.sign == NUM_NINF;
}

Datum
numeric_recv(PG_FUNCTION_ARGS)
{
	StringInfo	buf = (StringInfo) PG_GETARG_POINTER(0);
	NumVar		v;
	int			len;
	int			i;

	memset(&v, 0, sizeof(v));
	len = (uint16) pq_getmsgint(buf, sizeof(uint16));
	v.ndigits = len;
	v.digits = palloc(sizeof(int16) * Max(len, 1));
	v.weight = (int16) pq_getmsgint(buf, sizeof(int16));
	v.sign = (int) pq_getmsgint(buf, sizeof(uint16));
	if (!(v.sign == NUM_POS || v.sign == NUM_NEG || v.sign == NUM_NAN ||
		  v.sign == NUM_PINF || v.sign == NUM_NINF))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
				 errmsg("invalid sign in external \"numeric\" value")));
	v.dscale = (int) pq_getmsgint(buf, sizeof(uint16));
	if ((v.dscale & NUM_DSCALE_MASK) != v.dscale)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
				 errmsg("invalid scale in external \"numeric\" value")));
	for (i = 0; i < len; i++)
	{
		int16		d = (int16) pq_getmsgint(buf, sizeof(int16));

		if (d < 0 || d >= NBASE)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
					 errmsg("invalid digit in external \"numeric\" value")));
		v.digits[i] = d;
	}
	/* (the length limit is checked first in the server: 1000 + 2000 digits) */
	if (len > 3000)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
				 errmsg("invalid length in external \"numeric\" value")));
	if (v.sign == NUM_POS || v.sign == NUM_NEG)
	{
		/* digits hidden by dscale are truncated away (trunc_var) */
		int			di = (v.weight + 1) * 4 + v.dscale;

		if (di <= 0)
		{
			v.ndigits = 0;
			v.weight = 0;
			v.sign = NUM_POS;
		}
		else
		{
			int			keep = (di + 3) / 4;

			if (keep <= v.ndigits)
			{
				static const int round_powers[4] = {0, 1000, 100, 10};

				v.ndigits = keep;
				di %= 4;
				if (di > 0)
					v.digits[keep - 1] -= v.digits[keep - 1] % round_powers[di];
			}
		}
	}
	PG_RETURN_NUMERIC(num_make(&v));
}

Datum
numeric_send(PG_FUNCTION_ARGS)
{
	NumVar		v;
	StringInfoData buf;
	int			i;

	num_read(PG_GETARG_NUMERIC(0), &v);
	pq_begintypsend(&buf);
	pq_sendint16(&buf, v.ndigits);
	pq_sendint16(&buf, v.weight);
	pq_sendint16(&buf, v.sign);
	pq_sendint16(&buf, v.dscale);
	for (i = 0; i < v.ndigits; i++)
		pq_sendint16(&buf, v.digits[i]);
	PG_RETURN_BYTEA_P(pq_endtypsend(&buf));
}

/* |a| compared with |b| */
static int
num_cmp_abs(const NumVar *a, const NumVar *b)
{
	int			w;
	int			top = Max(a->weight, b->weight);
	int			bottom = Min(a->weight - a->ndigits, b->weight - b->ndigits);

	if (a->ndigits == 0 || b->ndigits == 0)
		return (a->ndigits > 0) - (b->ndigits > 0);
	for (w = top; w > bottom; w--)
	{
		int			da = (a->weight - w >= 0 && a->weight - w < a->ndigits) ? a->digits[a->weight - w] : 0;
		int			db = (b->weight - w >= 0 && b->weight - w < b->ndigits) ? b->digits[b->weight - w] : 0;

		if (da != db)
			return da < db ? -1 : 1;
	}
	return 0;
}

Datum
numeric_add(PG_FUNCTION_ARGS)
{
	NumVar		a;
	NumVar		b;
	NumVar		r;
	int			top;
	int			bottom;
	int			w;
	int			carry = 0;
	bool		subtract;
	const NumVar *big;
	const NumVar *small;

	num_read(PG_GETARG_NUMERIC(0), &a);
	num_read(PG_GETARG_NUMERIC(1), &b);
	memset(&r, 0, sizeof(r));
	if (a.sign == NUM_NAN || b.sign == NUM_NAN)
		r.sign = NUM_NAN;
	else if (a.sign == NUM_PINF || a.sign == NUM_NINF)
		r.sign = (b.sign == NUM_PINF || b.sign == NUM_NINF) && b.sign != a.sign ? NUM_NAN : a.sign;
	else if (b.sign == NUM_PINF || b.sign == NUM_NINF)
		r.sign = b.sign;
	if (r.sign != NUM_POS)
		PG_RETURN_NUMERIC(num_make(&r));

	subtract = a.sign != b.sign;
	big = &a;
	small = &b;
	if (subtract && num_cmp_abs(&a, &b) < 0)
		big = &b, small = &a;
	top = Max(a.weight, b.weight) + 1;
	bottom = Min(a.weight - a.ndigits + 1, b.weight - b.ndigits + 1);
	r.weight = top;
	r.ndigits = top - bottom + 1;
	r.digits = palloc0(sizeof(int16) * r.ndigits);
	r.dscale = Max(a.dscale, b.dscale);
	r.sign = big->sign;
	for (w = bottom; w <= top; w++)
	{
		int			db = (big->weight - w >= 0 && big->weight - w < big->ndigits) ? big->digits[big->weight - w] : 0;
		int			ds = (small->weight - w >= 0 && small->weight - w < small->ndigits) ? small->digits[small->weight - w] : 0;
		int			d = subtract ? db - ds - carry : db + ds + carry;

		carry = 0;
		if (d < 0)
			d += NBASE, carry = 1;
		else if (d >= NBASE)
			d -= NBASE, carry = 1;
		r.digits[top - w] = (int16) d;
	}
	PG_RETURN_NUMERIC(num_make(&r));
}

/* a - b, as numeric_add with b's sign turned (history.c: the waterfall's changes) */
Datum
numeric_sub(PG_FUNCTION_ARGS)
{
	NumVar		b;

	num_read(PG_GETARG_NUMERIC(1), &b);
	if (b.sign == NUM_POS)
		b.sign = b.ndigits > 0 ? NUM_NEG : NUM_POS;
	else if (b.sign == NUM_NEG)
		b.sign = NUM_POS;
	else if (b.sign == NUM_PINF)
		b.sign = NUM_NINF;
	else if (b.sign == NUM_NINF)
		b.sign = NUM_PINF;
	return DirectFunctionCall2(numeric_add, PG_GETARG_DATUM(0), NumericGetDatum(num_make(&b)));
}

/* an order key of a value's class: -inf < finite < +inf < NaN, as cmp_numerics */
static int
num_class(const NumVar *v)
{
	switch (v->sign)
	{
		case NUM_NINF:
			return 0;
		case NUM_PINF:
			return 2;
		case NUM_NAN:
			return 3;
		default:
			return 1;
	}
}

/* numeric_cmp: NaN equal to NaN and above everything, as PostgreSQL sorts them */
Datum
numeric_cmp(PG_FUNCTION_ARGS)
{
	NumVar		a;
	NumVar		b;
	int			ca;
	int			cb;
	int			r;

	num_read(PG_GETARG_NUMERIC(0), &a);
	num_read(PG_GETARG_NUMERIC(1), &b);
	ca = num_class(&a);
	cb = num_class(&b);
	if (ca != cb || ca != 1)
		PG_RETURN_INT32(ca < cb ? -1 : ca > cb ? 1 : 0);
	if (a.ndigits == 0 && b.ndigits == 0)
		PG_RETURN_INT32(0);
	if ((a.sign == NUM_NEG && a.ndigits > 0) != (b.sign == NUM_NEG && b.ndigits > 0))
		PG_RETURN_INT32(a.sign == NUM_NEG && a.ndigits > 0 ? -1 : 1);
	r = num_cmp_abs(&a, &b);
	PG_RETURN_INT32(a.sign == NUM_NEG ? -r : r);
}

/* int64_to_numeric: the integer's base-10000 digits, scale 0 */
Numeric
int64_to_numeric(int64 val)
{
	NumVar		v;
	int16		d[8];
	uint64		u;
	int			n = 0;
	int			i;

	memset(&v, 0, sizeof(v));
	v.sign = val < 0 ? NUM_NEG : NUM_POS;
	u = val < 0 ? (uint64) 0 - (uint64) val : (uint64) val;
	while (u > 0)
	{
		d[n++] = (int16) (u % NBASE);
		u /= NBASE;
	}
	v.ndigits = n;
	v.weight = n - 1;
	v.digits = palloc(sizeof(int16) * Max(n, 1));
	for (i = 0; i < n; i++)
		v.digits[i] = d[n - 1 - i];
	return num_make(&v);
}

/* int64_div_fast_to_numeric: val1 / 10^log10val2 at display scale log10val2, through its text */
Numeric
int64_div_fast_to_numeric(int64 val1, int log10val2)
{
	char		digits[64];
	char		text[80];
	uint64		u = val1 < 0 ? (uint64) 0 - (uint64) val1 : (uint64) val1;
	int			n = 0;
	int			pos = 0;

	do
	{
		digits[n++] = (char) ('0' + (int) (u % 10));
		u /= 10;
	} while (u > 0);
	if (log10val2 < 0 || log10val2 > 40)
		shim_unreachable("int64_div_fast_to_numeric: scale out of the shim's range");
	while (n <= log10val2)
		digits[n++] = '0';
	if (val1 < 0)
		text[pos++] = '-';
	while (n > log10val2)
		text[pos++] = digits[--n];
	if (log10val2 > 0)
	{
		text[pos++] = '.';
		while (n > 0)
			text[pos++] = digits[--n];
	}
	text[pos] = '\0';
	return DatumGetNumeric(DirectFunctionCall3(numeric_in, CStringGetDatum(text),
											   ObjectIdGetDatum(InvalidOid), Int32GetDatum(-1)));
}

#define SHIM_NOT_HERE(fn) \
Datum \
fn(PG_FUNCTION_ARGS) \
{ \
	shim_unreachable(#fn); \
}
SHIM_NOT_HERE(numeric_div)
SHIM_NOT_HERE(numeric_mul)
SHIM_NOT_HERE(numeric_float8)
SHIM_NOT_HERE(float8_numeric)
SHIM_NOT_HERE(int8_numeric)
SHIM_NOT_HERE(interval_div)
SHIM_NOT_HERE(interval_mi)
SHIM_NOT_HERE(interval_mul)
SHIM_NOT_HERE(interval_pl)
SHIM_NOT_HERE(interval_out)

/* ================================================================ jsonb */

/* a container: the real header word, then the tree node (read with memcpy) */
typedef struct ShimContainer
{
	uint32		header;
	uint32		pad;
	char		node[sizeof(JsonbValue *)];
} ShimContainer;

static JsonbContainer *
shim_container(JsonbValue *node)
{
	ShimContainer *c = palloc0(sizeof(ShimContainer));
	uint32		n = node->type == jbvObject ? node->val.object.nPairs : node->val.array.nElems;

	c->header = n | (node->type == jbvObject ? JB_FOBJECT : JB_FARRAY);
	if (node->type == jbvArray && node->val.array.rawScalar)
		c->header |= JB_FSCALAR;
	memcpy(c->node, &node, sizeof(node));
	return (JsonbContainer *) c;
}

static JsonbValue *
container_node(JsonbContainer *jc)
{
	JsonbValue *node;

	memcpy(&node, ((ShimContainer *) jc)->node, sizeof(node));
	return node;
}

#define JSON_MAX_DEPTH 1000		/* deeper input: 54001, as check_stack_depth would */

/* the parse: a stack of open containers */
typedef struct JParse
{
	JsonbValue *stack[JSON_MAX_DEPTH + 1];
	char	   *keys[JSON_MAX_DEPTH + 1];	/* the key each open container goes under */
	int			depth;
	char	   *key;			/* pending object key */
	JsonbValue *root;
} JParse;

static void
jp_add(JParse *s, JsonbValue *v)
{
	JsonbValue *top;

	if (s->depth == 0)
	{
		s->root = v;
		return;
	}
	top = s->stack[s->depth - 1];
	if (top->type == jbvArray)
	{
		if (top->val.array.nElems % 8 == 0)
			top->val.array.elems = top->val.array.elems ?
				repalloc(top->val.array.elems, sizeof(JsonbValue) * (top->val.array.nElems + 8)) :
				palloc(sizeof(JsonbValue) * 8);
		top->val.array.elems[top->val.array.nElems++] = *v;
	}
	else
	{
		JsonbPair  *pair;
		int			i;

		/* a repeated key keeps the last value */
		for (i = 0; i < top->val.object.nPairs; i++)
		{
			JsonbPair  *p = &top->val.object.pairs[i];

			if ((size_t) p->key.val.string.len == strlen(s->key) &&
				memcmp(p->key.val.string.val, s->key, p->key.val.string.len) == 0)
			{
				p->value = *v;
				return;
			}
		}
		if (top->val.object.nPairs % 8 == 0)
			top->val.object.pairs = top->val.object.pairs ?
				repalloc(top->val.object.pairs, sizeof(JsonbPair) * (top->val.object.nPairs + 8)) :
				palloc(sizeof(JsonbPair) * 8);
		pair = &top->val.object.pairs[top->val.object.nPairs++];
		pair->key.type = jbvString;
		pair->key.val.string.val = s->key;
		pair->key.val.string.len = (int) strlen(s->key);
		pair->value = *v;
		pair->order = 0;
	}
}

/* containers are added to their parent when they end (as a jbvBinary) */
static void
jp_start(JParse *s, enum jbvType type)
{
	JsonbValue *v = palloc0(sizeof(JsonbValue));

	if (s->depth >= JSON_MAX_DEPTH)
		ereport(ERROR,
				(errcode(ERRCODE_STATEMENT_TOO_COMPLEX),
				 errmsg("stack depth limit exceeded")));
	v->type = type;
	s->keys[s->depth] = s->key;
	s->stack[s->depth++] = v;
}

static void
jp_end(JParse *s)
{
	JsonbValue *node = s->stack[--s->depth];
	JsonbValue	bin;

	s->key = s->keys[s->depth];
	bin.type = jbvBinary;
	bin.val.binary.data = shim_container(node);
	bin.val.binary.len = 0;
	if (s->depth == 0)
	{
		JsonbValue *r = palloc(sizeof(JsonbValue));

		*r = bin;
		s->root = r;
		return;
	}
	jp_add(s, &bin);
}

static void
jp_object_start(void *st)
{
	jp_start(st, jbvObject);
}

static void
jp_array_start(void *st)
{
	jp_start(st, jbvArray);
}

static void
jp_end_action(void *st)
{
	jp_end(st);
}

static void
jp_field(void *st, char *fname, bool isnull)
{
	((JParse *) st)->key = fname;
}

static void
jp_scalar(void *st, char *token, JsonTokenType tokentype)
{
	JParse	   *s = st;
	JsonbValue	v;

	switch (tokentype)
	{
		case JSON_TOKEN_STRING:
			v.type = jbvString;
			v.val.string.len = (int) strlen(token);
			v.val.string.val = token;
			break;
		case JSON_TOKEN_NUMBER:
			v.type = jbvNumeric;
			v.val.numeric = DatumGetNumeric(DirectFunctionCall3(numeric_in, CStringGetDatum(token),
																ObjectIdGetDatum(InvalidOid),
																Int32GetDatum(-1)));
			break;
		case JSON_TOKEN_TRUE:
		case JSON_TOKEN_FALSE:
			v.type = jbvBool;
			v.val.boolean = tokentype == JSON_TOKEN_TRUE;
			break;
		default:
			v.type = jbvNull;
			break;
	}
	if (s->depth == 0)
	{
		/* a raw scalar: an array of one element flagged as scalar */
		JsonbValue *arr = palloc0(sizeof(JsonbValue));
		JsonbValue *r = palloc(sizeof(JsonbValue));

		arr->type = jbvArray;
		arr->val.array.rawScalar = true;
		arr->val.array.nElems = 1;
		arr->val.array.elems = palloc(sizeof(JsonbValue));
		arr->val.array.elems[0] = v;
		r->type = jbvBinary;
		r->val.binary.data = shim_container(arr);
		s->root = r;
		return;
	}
	jp_add(s, &v);
}

Datum
jsonb_in(PG_FUNCTION_ARGS)
{
	char	   *str = PG_GETARG_CSTRING(0);
	JsonLexContext *lex = makeJsonLexContextCstringLen(str, (int) strlen(str), PG_UTF8, true);
	JParse	   *s = palloc0(sizeof(JParse));
	JsonSemAction sem;
	JsonParseErrorType rc;
	struct
	{
		int32		vl_len_;
		ShimContainer root;
	}		   *j;
	JsonbContainer *c;

	memset(&sem, 0, sizeof(sem));
	sem.semstate = s;
	sem.object_start = jp_object_start;
	sem.object_end = jp_end_action;
	sem.array_start = jp_array_start;
	sem.array_end = jp_end_action;
	sem.object_field_start = jp_field;
	sem.scalar = jp_scalar;
	rc = pg_parse_json(lex, &sem);
	if (rc != JSON_SUCCESS)
	{
		if (rc == JSON_UNICODE_CODE_POINT_ZERO || rc == JSON_UNICODE_HIGH_ESCAPE)
			ereport(ERROR,
					(errcode(ERRCODE_UNTRANSLATABLE_CHARACTER),
					 errmsg("unsupported Unicode escape sequence")));
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
				 errmsg("invalid input syntax for type %s", "json"),
				 errdetail("JSON parse error %d.", (int) rc)));
	}
	c = s->root->val.binary.data;
	j = palloc(sizeof(*j));
	SET_VARSIZE(j, sizeof(*j));
	memcpy(&j->root, c, sizeof(ShimContainer));
	PG_RETURN_POINTER(j);
}

static JsonbValue *
value_copy(const JsonbValue *v)
{
	JsonbValue *r = palloc(sizeof(JsonbValue));

	*r = *v;
	return r;
}

JsonbValue *
getKeyJsonValueFromContainer(JsonbContainer *container, const char *keyVal, int keyLen,
							 JsonbValue *res)
{
	JsonbValue *node = container_node(container);
	int			i;

	if (!JsonContainerIsObject(container))
		shim_unreachable("getKeyJsonValueFromContainer on an array");
	for (i = 0; i < node->val.object.nPairs; i++)
	{
		JsonbPair  *p = &node->val.object.pairs[i];

		if (p->key.val.string.len == keyLen && memcmp(p->key.val.string.val, keyVal, keyLen) == 0)
		{
			if (res)
			{
				*res = p->value;
				return res;
			}
			return value_copy(&p->value);
		}
	}
	return NULL;
}

JsonbValue *
getIthJsonbValueFromContainer(JsonbContainer *container, uint32 i)
{
	JsonbValue *node = container_node(container);

	if (!JsonContainerIsArray(container))
		elog(ERROR, "not a jsonb array");
	if (i >= (uint32) node->val.array.nElems)
		return NULL;
	return value_copy(&node->val.array.elems[i]);
}

void
escape_json(StringInfo buf, const char *str)
{
	const char *p;

	appendStringInfoCharMacro(buf, '"');
	for (p = str; *p; p++)
	{
		switch (*p)
		{
			case '\b':
				appendStringInfoString(buf, "\\b");
				break;
			case '\f':
				appendStringInfoString(buf, "\\f");
				break;
			case '\n':
				appendStringInfoString(buf, "\\n");
				break;
			case '\r':
				appendStringInfoString(buf, "\\r");
				break;
			case '\t':
				appendStringInfoString(buf, "\\t");
				break;
			case '"':
				appendStringInfoString(buf, "\\\"");
				break;
			case '\\':
				appendStringInfoString(buf, "\\\\");
				break;
			default:
				if ((unsigned char) *p < ' ')
					appendStringInfo(buf, "\\u%04x", (int) *p);
				else
					appendStringInfoCharMacro(buf, *p);
				break;
		}
	}
	appendStringInfoCharMacro(buf, '"');
}

/* ================================================================ catalog */

typedef struct ShimNamespace
{
	Oid			oid;
	const char *name;
} ShimNamespace;

typedef struct ShimType
{
	Oid			oid;
	Oid			nsp;
	const char *name;
	char		typtype;
	bool		funnel;			/* registered */
} ShimType;

typedef struct ShimLabel
{
	Oid			oid;
	Oid			typid;
	const char *label;
	FunnelOutcome outcome;
} ShimLabel;

static const ShimNamespace namespaces[] = {
	{SHIM_NSP_PG_CATALOG, "pg_catalog"},
	{SHIM_NSP_PUBLIC, "public"},
	{SHIM_NSP_FUNNEL, "funnel"},
	{SHIM_NSP_ODD, "Odd \"Ops\""},
};

static const ShimType types[] = {
	{SHIM_TYPE_INT4, SHIM_NSP_PG_CATALOG, "int4", TYPTYPE_BASE, false},
	{SHIM_TYPE_SALES, SHIM_NSP_FUNNEL, "sales_stage", TYPTYPE_ENUM, true},
	{SHIM_TYPE_MARKETING, SHIM_NSP_FUNNEL, "marketing_stage", TYPTYPE_ENUM, true},
	{SHIM_TYPE_ODD, SHIM_NSP_ODD, "Stage", TYPTYPE_ENUM, true},
	{SHIM_TYPE_MOOD, SHIM_NSP_PUBLIC, "mood", TYPTYPE_ENUM, false},
};

/* in enum sort order per type; marketing's OIDs are out of order on purpose */
static const ShimLabel labels[] = {
	{16401, SHIM_TYPE_SALES, "lead", FUNNEL_OPEN},
	{16402, SHIM_TYPE_SALES, "qualified", FUNNEL_OPEN},
	{16403, SHIM_TYPE_SALES, "proposal", FUNNEL_OPEN},
	{16404, SHIM_TYPE_SALES, "negotiation", FUNNEL_OPEN},
	{16405, SHIM_TYPE_SALES, "closed_won", FUNNEL_WON},
	{16406, SHIM_TYPE_SALES, "closed_lost", FUNNEL_LOST},
	{16431, SHIM_TYPE_MARKETING, "awareness", FUNNEL_OPEN},
	{16429, SHIM_TYPE_MARKETING, "interest", FUNNEL_OPEN},
	{16435, SHIM_TYPE_MARKETING, "consideration", FUNNEL_OPEN},
	{16433, SHIM_TYPE_MARKETING, "intent", FUNNEL_OPEN},
	{16421, SHIM_TYPE_MARKETING, "evaluation", FUNNEL_OPEN},
	{16423, SHIM_TYPE_MARKETING, "purchase", FUNNEL_WON},
	{16445, SHIM_TYPE_ODD, "new", FUNNEL_OPEN},
	{16441, SHIM_TYPE_ODD, "dropped \"early\"", FUNNEL_LOST},
	{16442, SHIM_TYPE_ODD, "back\\slash\ttab", FUNNEL_OPEN},
	{16443, SHIM_TYPE_ODD, "\xc3\xbcnic\xc3\xb6" "de \xe2\x9c\x93", FUNNEL_OPEN},
	{16444, SHIM_TYPE_ODD, "a label of sixty-three bytes, the most a NameData holds: 63 ok!", FUNNEL_OPEN},
	{16446, SHIM_TYPE_ODD, "won", FUNNEL_WON},
	{16447, SHIM_TYPE_ODD, "lost", FUNNEL_LOST},
	{16461, SHIM_TYPE_MOOD, "sad", FUNNEL_OPEN},
	{16462, SHIM_TYPE_MOOD, "ok", FUNNEL_OPEN},
	{16463, SHIM_TYPE_MOOD, "happy", FUNNEL_OPEN},
};

static const ShimType *
find_type(Oid oid)
{
	int			i;

	for (i = 0; i < (int) lengthof(types); i++)
		if (types[i].oid == oid)
			return &types[i];
	return NULL;
}

static const char *
nsp_name(Oid oid)
{
	int			i;

	for (i = 0; i < (int) lengthof(namespaces); i++)
		if (namespaces[i].oid == oid)
			return namespaces[i].name;
	return NULL;
}

/* a pg_enum tuple, one allocation (so a use after ReleaseSysCache shows) */
static HeapTuple
enum_tuple(const ShimLabel *l)
{
	Size		hoff = MAXALIGN(SizeofHeapTupleHeader);
	Size		size = MAXALIGN(sizeof(HeapTupleData)) + hoff + sizeof(FormData_pg_enum);
	char	   *mem = palloc0(size);
	HeapTuple	tup = (HeapTuple) mem;
	Form_pg_enum form;

	tup->t_len = (uint32) (hoff + sizeof(FormData_pg_enum));
	tup->t_data = (HeapTupleHeader) (mem + MAXALIGN(sizeof(HeapTupleData)));
	tup->t_data->t_hoff = (uint8) hoff;
	form = (Form_pg_enum) GETSTRUCT(tup);
	form->oid = l->oid;
	form->enumtypid = l->typid;
	form->enumsortorder = (float4) (l - labels);
	strlcpy(NameStr(form->enumlabel), l->label, NAMEDATALEN);
	return tup;
}

/* a pg_type tuple of a shim type: oid, name, schema, typtype (the rest zero) */
static HeapTuple
type_tuple(const ShimType *t)
{
	Size		hoff = MAXALIGN(SizeofHeapTupleHeader);
	Size		size = MAXALIGN(sizeof(HeapTupleData)) + hoff + sizeof(FormData_pg_type);
	char	   *mem = palloc0(size);
	HeapTuple	tup = (HeapTuple) mem;
	Form_pg_type form;

	tup->t_len = (uint32) (hoff + sizeof(FormData_pg_type));
	tup->t_data = (HeapTupleHeader) (mem + MAXALIGN(sizeof(HeapTupleData)));
	tup->t_data->t_hoff = (uint8) hoff;
	form = (Form_pg_type) GETSTRUCT(tup);
	form->oid = t->oid;
	strlcpy(NameStr(form->typname), t->name, NAMEDATALEN);
	form->typnamespace = t->nsp;
	form->typtype = t->typtype;
	return tup;
}

HeapTuple
SearchSysCache1(int cacheId, Datum key1)
{
	int			i;

	if (cacheId == TYPEOID)
	{
		const ShimType *t = find_type(DatumGetObjectId(key1));

		return t ? type_tuple(t) : NULL;
	}
	if (cacheId != ENUMOID)
		shim_unreachable("SearchSysCache1 of this cache");
	for (i = 0; i < (int) lengthof(labels); i++)
		if (labels[i].oid == DatumGetObjectId(key1))
			return enum_tuple(&labels[i]);
	return NULL;
}

HeapTuple
SearchSysCache2(int cacheId, Datum key1, Datum key2)
{
	int			i;

	if (cacheId != ENUMTYPOIDNAME)
		shim_unreachable("SearchSysCache2 of this cache");
	for (i = 0; i < (int) lengthof(labels); i++)
		if (labels[i].typid == DatumGetObjectId(key1) &&
			strncmp(labels[i].label, DatumGetCString(key2), NAMEDATALEN - 1) == 0 &&
			strlen(DatumGetCString(key2)) < NAMEDATALEN)
			return enum_tuple(&labels[i]);
	return NULL;
}

void
ReleaseSysCache(HeapTuple tuple)
{
	pfree(tuple);
}

Oid
GetSysCacheOid(int cacheId, AttrNumber oidcol, Datum key1, Datum key2, Datum key3, Datum key4)
{
	int			i;

	if (cacheId != TYPENAMENSP)
		shim_unreachable("GetSysCacheOid of this cache");
	for (i = 0; i < (int) lengthof(types); i++)
		if (types[i].nsp == DatumGetObjectId(key2) && strcmp(types[i].name, DatumGetCString(key1)) == 0)
			return types[i].oid;
	return InvalidOid;
}

Datum
SysCacheGetAttr(int cacheId, HeapTuple tup, AttrNumber attributeNumber, bool *isNull)
{
	shim_unreachable("SysCacheGetAttr");
}

/* search path: pg_catalog, then public */
Oid
TypenameGetTypid(const char *typname)
{
	Oid			path[2] = {SHIM_NSP_PG_CATALOG, SHIM_NSP_PUBLIC};
	int			i;

	for (i = 0; i < 2; i++)
	{
		Oid			t = GetSysCacheOid(TYPENAMENSP, 0, CStringGetDatum(typname),
									   ObjectIdGetDatum(path[i]), 0, 0);

		if (OidIsValid(t))
			return t;
	}
	return InvalidOid;
}

Oid
LookupExplicitNamespace(const char *nspname, bool missing_ok)
{
	int			i;

	for (i = 0; i < (int) lengthof(namespaces); i++)
		if (strcmp(namespaces[i].name, nspname) == 0)
			return namespaces[i].oid;
	if (!missing_ok)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_SCHEMA),
				 errmsg("schema \"%s\" does not exist", nspname)));
	return InvalidOid;
}

char *
get_namespace_name(Oid nspid)
{
	const char *name = nsp_name(nspid);

	return name ? pstrdup(name) : NULL;
}

char
get_typtype(Oid typid)
{
	const ShimType *t = find_type(typid);

	return t ? t->typtype : '\0';
}

Oid
getBaseType(Oid typid)
{
	return typid;
}

/* quote_identifier without the keyword list */
static void
append_ident(StringInfo buf, const char *id)
{
	const char *p;
	bool		safe = (id[0] >= 'a' && id[0] <= 'z') || id[0] == '_';

	for (p = id; *p && safe; p++)
		safe = (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '_';
	if (safe)
	{
		appendStringInfoString(buf, id);
		return;
	}
	appendStringInfoChar(buf, '"');
	for (p = id; *p; p++)
	{
		if (*p == '"')
			appendStringInfoChar(buf, '"');
		appendStringInfoChar(buf, *p);
	}
	appendStringInfoChar(buf, '"');
}

/* quote_identifier as append_ident quotes (no keyword list) */
const char *
quote_identifier(const char *ident)
{
	StringInfoData buf;

	initStringInfo(&buf);
	append_ident(&buf, ident);
	return buf.data;
}

/* the shim's client and server encodings are both UTF-8: no conversion */
int
pg_get_client_encoding(void)
{
	return PG_UTF8;
}

char *
pg_client_to_server(const char *s, int len)
{
	return unconstify(char *, s);
}

char *
pg_server_to_client(const char *s, int len)
{
	return unconstify(char *, s);
}

char *
format_type_extended(Oid type_oid, int32 typemod, bits16 flags)
{
	const ShimType *t = find_type(type_oid);
	StringInfoData buf;

	if (t == NULL)
	{
		if (flags & FORMAT_TYPE_INVALID_AS_NULL)
			return NULL;
		if (flags & FORMAT_TYPE_ALLOW_INVALID)
			return pstrdup("???");
		elog(ERROR, "cache lookup failed for type %u", type_oid);
	}
	if (t->oid == SHIM_TYPE_INT4)
		return pstrdup("integer");
	initStringInfo(&buf);
	if ((flags & FORMAT_TYPE_FORCE_QUALIFY) ||
		(t->nsp != SHIM_NSP_PG_CATALOG && t->nsp != SHIM_NSP_PUBLIC))
	{
		append_ident(&buf, nsp_name(t->nsp));
		appendStringInfoChar(&buf, '.');
	}
	append_ident(&buf, t->name);
	return buf.data;
}

char *
format_type_be(Oid type_oid)
{
	return format_type_extended(type_oid, -1, 0);
}

char *
get_func_name(Oid funcid)
{
	shim_unreachable("get_func_name");
}

/* a List of pointers (lappend) */
List *
lappend(List *list, void *datum)
{
	if (list == NIL)
	{
		list = palloc0(offsetof(List, initial_elements) + 8 * sizeof(ListCell));
		list->type = T_List;
		list->max_length = 8;
		list->elements = list->initial_elements;
	}
	else if (list->length == list->max_length)
	{
		ListCell   *cells = palloc(sizeof(ListCell) * list->max_length * 2);

		memcpy(cells, list->elements, sizeof(ListCell) * list->length);
		list->elements = cells;
		list->max_length *= 2;
	}
	list->elements[list->length++].ptr_value = datum;
	return list;
}

/* clip a name to NAMEDATALEN - 1 bytes at a UTF-8 character boundary */
static void
clip_name(char *name)
{
	int			len = (int) strlen(name);

	if (len < NAMEDATALEN)
		return;
	len = NAMEDATALEN - 1;
	while (len > 0 && ((unsigned char) name[len] & 0xC0) == 0x80)
		len--;
	name[len] = '\0';
}

/*
 * SplitIdentifierString: names separated by separator, each either
 * double-quoted ("" for a quote) or bare (downcased); whitespace around
 * names; the string is modified in place.
 */
bool
SplitIdentifierString(char *rawstring, char separator, List **namelist)
{
	char	   *nextp = rawstring;
	bool		done = false;

	*namelist = NIL;
	while (isspace((unsigned char) *nextp))
		nextp++;
	if (*nextp == '\0')
		return true;
	do
	{
		char	   *curname;
		char	   *endp;

		if (*nextp == '"')
		{
			curname = nextp + 1;
			for (;;)
			{
				endp = strchr(nextp + 1, '"');
				if (endp == NULL)
					return false;
				if (endp[1] != '"')
					break;
				memmove(endp, endp + 1, strlen(endp));
				nextp = endp;
			}
			nextp = endp + 1;
		}
		else
		{
			char	   *q;

			curname = nextp;
			while (*nextp && *nextp != separator && !isspace((unsigned char) *nextp))
				nextp++;
			endp = nextp;
			if (curname == nextp)
				return false;
			for (q = curname; q < endp; q++)
				if (*q >= 'A' && *q <= 'Z')
					*q += 'a' - 'A';
		}
		while (isspace((unsigned char) *nextp))
			nextp++;
		if (*nextp == separator)
		{
			nextp++;
			while (isspace((unsigned char) *nextp))
				nextp++;
		}
		else if (*nextp == '\0')
			done = true;
		else
			return false;
		*endp = '\0';
		if (*curname == '\0')
			return false;
		clip_name(curname);
		*namelist = lappend(*namelist, curname);
	} while (!done);
	return true;
}

/* ================================================================ registry */

static FunnelDef *defs[lengthof(types)];

static FunnelDef *
fake_def(Oid typid)
{
	int			t;
	int			i;
	FunnelDef  *def;

	for (t = 0; t < (int) lengthof(types); t++)
		if (types[t].oid == typid)
			break;
	if (t == (int) lengthof(types) || !types[t].funnel)
		return NULL;
	if (defs[t])
		return defs[t];
	/* for the whole run: malloc, not palloc */
	def = calloc(1, sizeof(FunnelDef));
	def->typid = typid;
	def->type_name = strdup(types[t].name);
	def->allow_skip = true;
	def->stages = calloc(lengthof(labels), sizeof(FunnelStage));
	def->first_won = -1;
	for (i = 0; i < (int) lengthof(labels); i++)
	{
		FunnelStage *s;

		if (labels[i].typid != typid)
			continue;
		s = &def->stages[def->nstages];
		s->label_oid = labels[i].oid;
		s->label = strdup(labels[i].label);
		s->outcome = labels[i].outcome;
		s->entry = true;
		s->open_index = -1;
		if (s->outcome == FUNNEL_OPEN)
		{
			s->open_index = def->n_open++;
			def->last_open = def->nstages;
		}
		else if (s->outcome == FUNNEL_WON && def->first_won < 0)
			def->first_won = def->nstages;
		def->nstages++;
	}
	/* no explicit edges: the default rules decide (funnel_move_allowed) */
	def->n_edges = 0;
	def->edge_mask = 7;
	def->edge_keys = calloc(8, sizeof(uint32));
	def->edge_vals = calloc(8, sizeof(uint8));
	defs[t] = def;
	return def;
}

/* no harness calls a function with a stage argument (only input, output, send and receive) */
Oid
funnel_stage_argtype(FunctionCallInfo fcinfo, int argno)
{
	return InvalidOid;
}

/* every type the fake catalog knows is a registered funnel */
bool
funnel_is_registered(Oid typid)
{
	return fake_def(typid) != NULL;
}

int
funnel_explicit_rule(const FunnelDef *def, int from, int to)
{
	return FUNNEL_EDGE_NONE;
}

/* the fake catalog never changes: caches keep generation 0 */
uint64		funnel_registry_generation = 0;

/* (funnel_def_cached, registry.h, comes here when its cache is not valid) */
FunnelDef *
funnel_def_refresh(FunnelDefCache *c, Oid argtype)
{
	if (c->def == NULL || c->argtype != argtype)
	{
		c->argtype = argtype;
		c->typid = argtype;
		c->def = fake_def(argtype);
		if (c->def == NULL)
			ereport(ERROR,
					(errcode(ERRCODE_UNDEFINED_OBJECT),
					 errmsg("type with OID %u is not a registered funnel", argtype)));
	}
	return c->def;
}

int
funnel_label_index(const FunnelDef *def, Oid label)
{
	int			i;

	for (i = 0; i < def->nstages; i++)
		if (def->stages[i].label_oid == label)
			return i;
	return -1;
}

int
funnel_stage_index(FunnelDefCache *c, Oid label, FunnelDef **def)
{
	int			idx = funnel_label_index(c->def, label);

	if (idx < 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("enum value with OID %u is not a stage of funnel %s",
						label, c->def->type_name)));
	if (def != NULL)
		*def = c->def;
	return idx;
}

const char *
funnel_outcome_name(FunnelOutcome outcome)
{
	return outcome == FUNNEL_WON ? "won" : outcome == FUNNEL_LOST ? "lost" : "open";
}

/*
 * The aggregate arena (src/state.c) is never reached by the harnesses, which
 * call no transition function: its registry's hash table and context
 * lookups are stubs.
 */
HTAB *
hash_create(const char *tabname, long nelem, const HASHCTL *info, int flags)
{
	shim_unreachable("hash_create");
}

void *
hash_search(HTAB *hashp, const void *keyPtr, HASHACTION action, bool *foundPtr)
{
	shim_unreachable("hash_search");
}

MemoryContext
MemoryContextGetParent(MemoryContext context)
{
	shim_unreachable("MemoryContextGetParent");
}

/* ================================================================ aggregates */

Aggref *
AggGetAggref(FunctionCallInfo fcinfo)
{
	return NULL;
}

/*
 * fninfo.c, whose catalog cache the harnesses do not build: a function's
 * declared result type is shim_fn_rettype (as get_fn_expr_rettype), its
 * argument types and aggregates are unknown (the transition functions are
 * not called here).
 */
Oid
funnel_fn_rettype(Oid fn_oid)
{
	return shim_fn_rettype;
}

Oid
funnel_fn_argtype(Oid fn_oid, int argno)
{
	return InvalidOid;
}

bool
funnel_agg_facts(Oid aggfnoid, FunnelAggFacts *facts)
{
	return false;
}

const char *
funnel_transfn_aggregate_name(Oid fn_oid, bool *may_have_initcond)
{
	*may_have_initcond = true;
	return NULL;
}

void
InitMaterializedSRF(FunctionCallInfo fcinfo, bits32 flags)
{
	shim_unreachable("InitMaterializedSRF");
}

void
tuplestore_putvalues(Tuplestorestate *state, TupleDesc tdesc, Datum *values, bool *isnull)
{
	shim_unreachable("tuplestore_putvalues");
}

/* ================================================================ date/time */

/* days from 0000-03-01-based civil date, proleptic Gregorian (astronomical years) */
static int64
days_from_civil(int64 y, int m, int d)
{
	int64		era;
	int64		yoe;
	int64		doy;
	int64		doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static void
civil_from_days(int64 z, int *y, int *m, int *d)
{
	int64		era;
	int64		doe;
	int64		yoe;
	int64		doy;
	int64		mp;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = (int) (doy - (153 * mp + 2) / 5 + 1);
	*m = (int) (mp < 10 ? mp + 3 : mp - 9);
	*y = (int) (yoe + era * 400 + (*m <= 2));
}

static int64
pg_epoch_days(void)
{
	return days_from_civil(2000, 1, 1);
}

int
timestamp2tm(Timestamp dt, int *tzp, struct pg_tm *tm, fsec_t *fsec, const char **tzn,
			 pg_tz *attimezone)
{
	int64		days;
	int64		time;

	if (tzp != NULL)
		shim_unreachable("timestamp2tm with a time zone");
	if (TIMESTAMP_NOT_FINITE(dt))
		return -1;
	days = dt / USECS_PER_DAY;
	time = dt % USECS_PER_DAY;
	if (time < 0)
	{
		time += USECS_PER_DAY;
		days--;
	}
	memset(tm, 0, sizeof(*tm));
	civil_from_days(days + pg_epoch_days(), &tm->tm_year, &tm->tm_mon, &tm->tm_mday);
	tm->tm_hour = (int) (time / USECS_PER_HOUR);
	time -= tm->tm_hour * USECS_PER_HOUR;
	tm->tm_min = (int) (time / USECS_PER_MINUTE);
	time -= tm->tm_min * USECS_PER_MINUTE;
	tm->tm_sec = (int) (time / USECS_PER_SEC);
	*fsec = (fsec_t) (time - tm->tm_sec * USECS_PER_SEC);
	return 0;
}

int
tm2timestamp(struct pg_tm *tm, fsec_t fsec, int *tzp, Timestamp *result)
{
	int64		days;
	int64		t;

	if (tm->tm_year < -4713 || tm->tm_year > 294277)
		return -1;
	days = days_from_civil(tm->tm_year, tm->tm_mon, tm->tm_mday) - pg_epoch_days();
	if (pg_mul_s64_overflow(days, USECS_PER_DAY, &t) ||
		pg_add_s64_overflow(t, ((int64) tm->tm_hour * 3600 + tm->tm_min * 60 + tm->tm_sec) * USECS_PER_SEC + fsec, &t) ||
		(tzp != NULL && pg_add_s64_overflow(t, (int64) *tzp * USECS_PER_SEC, &t)))
		return -1;
	if (!IS_VALID_TIMESTAMP(t))
		return -1;
	*result = t;
	return 0;
}

Timestamp
SetEpochTimestamp(void)
{
	return -(pg_epoch_days() - days_from_civil(1970, 1, 1)) * USECS_PER_DAY;
}

/* a fixed transaction start (2024-01-01 00:00 UTC): winrate_curve's default as_of */
TimestampTz
GetCurrentTransactionStartTimestamp(void)
{
	return (TimestampTz) (days_from_civil(2024, 1, 1) - days_from_civil(2000, 1, 1)) * USECS_PER_DAY;
}

static const struct
{
	const char *word;
	int			val;
}			specials[] = {
	{"now", DTK_NOW}, {"today", DTK_TODAY}, {"tomorrow", DTK_TOMORROW},
	{"yesterday", DTK_YESTERDAY}, {"epoch", DTK_EPOCH}, {"infinity", DTK_LATE},
	{"-infinity", DTK_EARLY},
};

int
DecodeSpecial(int field, char *lowtoken, int *val)
{
	int			i;

	for (i = 0; i < (int) lengthof(specials); i++)
		if (strcmp(lowtoken, specials[i].word) == 0)
		{
			*val = specials[i].val;
			return RESERV;
		}
	*val = 0;
	return UNKNOWN_FIELD;
}

/* model: whitespace-separated fields, lower-cased; "T" splits date and time */
int
ParseDateTime(const char *timestr, char *workbuf, size_t buflen, char **field, int *ftype,
			  int maxfields, int *numfields)
{
	const char *cp = timestr;
	char	   *out = workbuf;
	int			nf = 0;

	while (*cp)
	{
		if (isspace((unsigned char) *cp))
		{
			cp++;
			continue;
		}
		if (nf >= maxfields)
			return DTERR_BAD_FORMAT;
		field[nf] = out;
		if (isalpha((unsigned char) *cp) || (*cp == '-' && isalpha((unsigned char) cp[1])))
			ftype[nf] = DTK_STRING;
		else if (*cp == '+' || *cp == '-')
			ftype[nf] = DTK_TZ;
		else if (isdigit((unsigned char) *cp))
			ftype[nf] = DTK_DATE;
		else
			return DTERR_BAD_FORMAT;
		while (*cp && !isspace((unsigned char) *cp))
		{
			if (out >= workbuf + buflen - 2)
				return DTERR_BAD_FORMAT;
			*out++ = (char) pg_tolower((unsigned char) *cp++);
		}
		*out++ = '\0';
		nf++;
	}
	*numfields = nf;
	return nf == 0 ? DTERR_BAD_FORMAT : 0;
}

/* read exactly-bounded digits; returns the end or NULL */
static const char *
read_int(const char *p, int mindig, int maxdig, int *v)
{
	int			n = 0;

	*v = 0;
	while (isdigit((unsigned char) *p) && n < maxdig)
	{
		*v = *v * 10 + (*p++ - '0');
		n++;
	}
	if (n < mindig || isdigit((unsigned char) *p))
		return NULL;
	return p;
}

/* "+hh", "+hh:mm", "+hhmm", "z": seconds west of Greenwich */
static const char *
read_zone(const char *p, int *tz)
{
	int			sign;
	int			h;
	int			m = 0;

	if (*p == 'z')
	{
		*tz = 0;
		return p + 1;
	}
	if (*p != '+' && *p != '-')
		return NULL;
	sign = *p == '-' ? 1 : -1;
	p = read_int(p + 1, 2, 2, &h);
	if (p == NULL)
		return NULL;
	if (*p == ':')
		p++;
	if (isdigit((unsigned char) *p))
	{
		p = read_int(p, 2, 2, &m);
		if (p == NULL)
			return NULL;
	}
	if (h > 15 || m > 59)
		return NULL;
	*tz = sign * (h * 3600 + m * 60);
	return p;
}

int
DecodeDateTime(char **field, int *ftype, int nf, int *dtype, struct pg_tm *tm, fsec_t *fsec,
			   int *tzp)
{
	int			i;
	int			val;
	const char *p;
	bool		have_time = false;
	bool		have_zone = false;
	bool		bc = false;
	static const int mdays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};

	memset(tm, 0, sizeof(*tm));
	*fsec = 0;
	*tzp = 0;
	*dtype = DTK_DATE;
	if (nf == 1 && ftype[0] == DTK_STRING && DecodeSpecial(0, field[0], &val) == RESERV)
	{
		*dtype = val == DTK_EPOCH || val == DTK_LATE || val == DTK_EARLY ? val : DTK_DATE;
		if (*dtype == DTK_DATE)
			tm->tm_year = 2000, tm->tm_mon = 1, tm->tm_mday = 1;
		return 0;
	}
	if (ftype[0] != DTK_DATE)
		return DTERR_BAD_FORMAT;
	p = read_int(field[0], 1, 6, &tm->tm_year);
	if (p == NULL || *p++ != '-' || (p = read_int(p, 1, 2, &tm->tm_mon)) == NULL ||
		*p++ != '-' || (p = read_int(p, 1, 2, &tm->tm_mday)) == NULL)
		return DTERR_BAD_FORMAT;
	if (*p == 't')
	{
		field[0] = (char *) p + 1;
		ftype[0] = DTK_TIME;
		i = 0;
	}
	else if (*p != '\0')
		return DTERR_BAD_FORMAT;
	else
		i = 1;
	for (; i < nf; i++)
	{
		p = field[i];
		if (!have_time && isdigit((unsigned char) *p))
		{
			int			frac = 0;
			int			ndig = 0;

			p = read_int(p, 1, 2, &tm->tm_hour);
			if (p == NULL || *p++ != ':' || (p = read_int(p, 2, 2, &tm->tm_min)) == NULL)
				return DTERR_BAD_FORMAT;
			if (*p == ':')
			{
				p = read_int(p + 1, 2, 2, &tm->tm_sec);
				if (p == NULL)
					return DTERR_BAD_FORMAT;
				if (*p == '.')
				{
					p++;
					while (isdigit((unsigned char) *p) && ndig < 6)
						frac = frac * 10 + (*p++ - '0'), ndig++;
					if (ndig == 0 || isdigit((unsigned char) *p))
						return DTERR_BAD_FORMAT;
					while (ndig++ < 6)
						frac *= 10;
				}
			}
			*fsec = frac;
			have_time = true;
			if (*p != '\0')
			{
				p = read_zone(p, tzp);
				if (p == NULL || *p != '\0')
					return DTERR_BAD_FORMAT;
				have_zone = true;
			}
		}
		else if (!have_zone && (*p == '+' || *p == '-' || strcmp(p, "z") == 0))
		{
			p = read_zone(p, tzp);
			if (p == NULL || *p != '\0')
				return DTERR_BAD_FORMAT;
			have_zone = true;
		}
		else if (!have_zone && strcmp(p, "utc") == 0)
			have_zone = true;
		else if (i == nf - 1 && strcmp(p, "bc") == 0)
			bc = true;
		else if (!have_zone && isalpha((unsigned char) *p))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("time zone \"%s\" not recognized", p)));
		else
			return DTERR_BAD_FORMAT;
	}
	if (tm->tm_year == 0 || tm->tm_mon < 1 || tm->tm_mon > 12 || tm->tm_mday < 1 ||
		tm->tm_mday > mdays[tm->tm_mon - 1] || tm->tm_hour > 24 || tm->tm_min > 59 ||
		tm->tm_sec > 59 || (tm->tm_hour == 24 && (tm->tm_min > 0 || tm->tm_sec > 0 || *fsec > 0)))
		return DTERR_FIELD_OVERFLOW;
	if (tm->tm_mon == 2 && tm->tm_mday == 29 &&
		!(((bc ? 1 - tm->tm_year : tm->tm_year) % 4 == 0 &&
		   (bc ? 1 - tm->tm_year : tm->tm_year) % 100 != 0) ||
		  (bc ? 1 - tm->tm_year : tm->tm_year) % 400 == 0))
		return DTERR_FIELD_OVERFLOW;
	if (bc)
		tm->tm_year = 1 - tm->tm_year;
	return 0;
}

/* ================================================================ tuples */

/* composite results (nextstep.c's final function) are outside the type harnesses */
TypeFuncClass
get_call_result_type(FunctionCallInfo fcinfo, Oid *resultTypeId, TupleDesc *resultTupleDesc)
{
	shim_unreachable("get_call_result_type");
}

TupleDesc
BlessTupleDesc(TupleDesc tupdesc)
{
	shim_unreachable("BlessTupleDesc");
}

HeapTuple
heap_form_tuple(TupleDesc tupleDescriptor, Datum *values, bool *isnull)
{
	shim_unreachable("heap_form_tuple");
}

Datum
HeapTupleHeaderGetDatum(HeapTupleHeader tuple)
{
	shim_unreachable("HeapTupleHeaderGetDatum");
}
