/*
 * distribute.h
 *		Funnel definitions on every node of a Citus cluster: the per-funnel
 *		objects (funnel.definition(T) and the concrete aggregates) that the
 *		definition functions make on a coordinator, and their application
 *		to the local catalog on the nodes Citus propagates them to.
 */
#ifndef FUNNEL_DISTRIBUTE_H
#define FUNNEL_DISTRIBUTE_H

#include "postgres.h"

extern void funnel_distribute_enter(void);
extern void funnel_distribute_leave(bool ok);
extern void funnel_distribute_changed(Oid typid);
extern void funnel_distribute_forget(Oid typid);

#endif							/* FUNNEL_DISTRIBUTE_H */
