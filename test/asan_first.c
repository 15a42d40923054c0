/*
 * test/asan_first.c: a library preloaded with libasan into Debian's (not
 * sanitized) PostgreSQL programs by `make test-sanitize` (test/sanitize), linked
 * with -z initfirst.
 *
 * Why: with only libasan in LD_PRELOAD, AddressSanitizer initialises lazily, on
 * the first call it intercepts, because a preloaded library's constructor runs
 * after those of every library the program links.  In psql, initdb and postgres
 * that first call comes from another library's constructor (libp11-kit's, through
 * libpq and gnutls) inside glibc locale code -- newlocale(), bindtextdomain() --
 * while it holds a glibc lock (the setlocale lock, _nl_state_lock).  ASan set up
 * under that lock leaves it taken: the program hangs at its next locale call
 * (bindtextdomain in main) or in freelocale() at exit.
 *
 * The fix: this library's constructor calls __asan_init(), and DF_1_INITFIRST
 * (-Wl,-z,initfirst) makes glibc run it before every other constructor, so ASan
 * is up before any library code runs.  (Wrapping the locale functions instead
 * only moves the hang to the next lock.)
 */
extern void __asan_init(void);

__attribute__((constructor)) static void
asan_init_first(void)
{
	__asan_init();				/* a no-op if ASan is already up */
}
