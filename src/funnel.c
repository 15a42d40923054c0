/*
 * funnel.c
 *		Module entry point: PG_MODULE_MAGIC and the backend-wide set-up.
 */
#include "postgres.h"

#include "fmgr.h"

#include "registry.h"

PG_MODULE_MAGIC;

void		_PG_init(void);

/* Register the invalidation callbacks of the definition cache. */
void
_PG_init(void)
{
	funnel_registry_init();
}
