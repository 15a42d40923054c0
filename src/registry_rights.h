/*
 * registry_rights.h
 *		Who may change a funnel's definition, and the checks every change
 *		makes before it writes: shared by the funnel.def_* primitives
 *		(registry_edit.c) and the guard trigger (registry_triggers.c).
 */
#ifndef FUNNEL_REGISTRY_RIGHTS_H
#define FUNNEL_REGISTRY_RIGHTS_H

#include "postgres.h"

extern bool funnel_running_own_script(void);
extern void funnel_check_definition_rights(Oid typid, bool need_type);
extern void funnel_check_table_owner(Oid relid, const char *what);
extern void funnel_check_label(Oid typid, const char *label);
extern void funnel_lock_definition(Oid typid);
extern bool funnel_is_registered_row(Oid typid);
extern void funnel_require_registered(Oid typid);

#endif							/* FUNNEL_REGISTRY_RIGHTS_H */
