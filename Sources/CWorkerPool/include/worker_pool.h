#ifndef EXEMPLAR_WORKER_POOL_H
#define EXEMPLAR_WORKER_POOL_H

/// One task of a parallel loop: index i of 0 ..< count, with the caller's context.
typedef void (*exemplar_pool_task)(void *context, long index);

/// Runs task(context, i) for every i in 0 ..< count on the calling thread and the pool's workers (started on first
/// use: one fewer than `threads`), returning when all are done. Workers that find no work spin for a short while
/// before they sleep, so the many small hand-offs of a decode step (a few per layer, tens of microseconds apart) do
/// not each pay a futex wake-up. Returns 0 without running anything when the pool is busy (another thread's loop, or
/// a loop inside a task): the caller then runs the loop some other way.
int exemplar_pool_run(long threads, long count, exemplar_pool_task task, void *context);

/// Microseconds an idle worker spins before it sleeps (EXEMPLAR_SPIN_US, default 200; 0 sleeps at once).
long exemplar_pool_spin_microseconds(void);

#endif
