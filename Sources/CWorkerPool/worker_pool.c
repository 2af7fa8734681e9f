#include "worker_pool.h"
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <time.h>
#if defined(__x86_64__)
#include <immintrin.h>
#define CPU_RELAX() _mm_pause()
#elif defined(__aarch64__)
#define CPU_RELAX() __asm__ __volatile__("yield")
#else
#define CPU_RELAX() ((void)0)
#endif

// The published loop is a ticket: generation << 32 | next index. A worker claims an index with a compare-and-swap
// that also checks the generation, so a worker still holding a finished loop's task can never run it on a new
// loop's indices: its claim fails and it goes back to waiting.

enum { MAX_WORKERS = 255 };

static pthread_mutex_t start_lock = PTHREAD_MUTEX_INITIALIZER;  // starting the workers
static pthread_mutex_t run_lock = PTHREAD_MUTEX_INITIALIZER;    // one loop at a time
static pthread_mutex_t sleep_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t wake = PTHREAD_COND_INITIALIZER;

static _Atomic long workers_started = 0;
static _Atomic uint64_t ticket = 0;
static _Atomic(exemplar_pool_task) current_task = 0;
static _Atomic(void *) current_context = 0;
static _Atomic long current_count = 0;
static _Atomic long finished = 0;
static _Atomic int sleepers = 0;
static long spin_ns = -1;
static _Thread_local int inside_loop = 0;

long exemplar_pool_spin_microseconds(void) {
    if (spin_ns < 0) {
        const char *env = getenv("EXEMPLAR_SPIN_US");
        const long us = env ? atol(env) : 200;
        spin_ns = (us < 0 ? 0 : us) * 1000;
    }
    return spin_ns / 1000;
}

static uint64_t now_ns(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec;
}

/// Claims and runs indices of generation `generation` until none are left; returns how many it ran.
static long work(uint64_t generation) {
    const exemplar_pool_task task = atomic_load_explicit(&current_task, memory_order_acquire);
    void *context = atomic_load_explicit(&current_context, memory_order_acquire);
    const long count = atomic_load_explicit(&current_count, memory_order_acquire);
    long ran = 0;
    uint64_t t = atomic_load_explicit(&ticket, memory_order_acquire);
    for (;;) {
        if (t >> 32 != generation || (long)(t & 0xFFFFFFFFu) >= count) break;
        if (!atomic_compare_exchange_weak_explicit(&ticket, &t, t + 1, memory_order_acq_rel, memory_order_acquire))
            continue;
        task(context, (long)(t & 0xFFFFFFFFu));
        ran++;
        t = atomic_load_explicit(&ticket, memory_order_acquire);
    }
    return ran;
}

static void *worker_main(void *unused) {
    (void)unused;
    inside_loop = 1;  // a loop started from inside a task runs another way
    uint64_t seen = atomic_load(&ticket) >> 32;
    for (;;) {
        uint64_t generation = atomic_load_explicit(&ticket, memory_order_acquire) >> 32;
        if (generation == seen) {
            const uint64_t until = now_ns() + (uint64_t)spin_ns;
            for (int i = 0; generation == seen; i++) {
                CPU_RELAX();
                generation = atomic_load_explicit(&ticket, memory_order_acquire) >> 32;
                if ((i & 255) == 255 && now_ns() >= until) break;
            }
        }
        if (generation == seen) {
            pthread_mutex_lock(&sleep_lock);
            atomic_fetch_add(&sleepers, 1);
            while ((generation = atomic_load(&ticket) >> 32) == seen) pthread_cond_wait(&wake, &sleep_lock);
            atomic_fetch_sub(&sleepers, 1);
            pthread_mutex_unlock(&sleep_lock);
        }
        seen = generation;
        const long ran = work(generation);
        if (ran) atomic_fetch_add_explicit(&finished, ran, memory_order_acq_rel);
    }
    return 0;
}

static void start_workers(long wanted) {
    if (wanted > MAX_WORKERS) wanted = MAX_WORKERS;
    if (atomic_load(&workers_started) >= wanted) return;
    pthread_mutex_lock(&start_lock);
    exemplar_pool_spin_microseconds();
    while (atomic_load(&workers_started) < wanted) {
        pthread_t thread;
        pthread_attr_t attributes;
        pthread_attr_init(&attributes);
        pthread_attr_setdetachstate(&attributes, PTHREAD_CREATE_DETACHED);
        const int failed = pthread_create(&thread, &attributes, worker_main, 0);
        pthread_attr_destroy(&attributes);
        if (failed) break;
        atomic_fetch_add(&workers_started, 1);
    }
    pthread_mutex_unlock(&start_lock);
}

int exemplar_pool_run(long threads, long count, exemplar_pool_task task, void *context) {
    if (count <= 0) return 1;
    if (inside_loop || count > 0xFFFFFFFFL || pthread_mutex_trylock(&run_lock) != 0) return 0;
    start_workers(threads - 1);
    if (atomic_load(&workers_started) == 0) {
        pthread_mutex_unlock(&run_lock);
        return 0;
    }
    inside_loop = 1;
    atomic_store_explicit(&current_task, task, memory_order_release);
    atomic_store_explicit(&current_context, context, memory_order_release);
    atomic_store_explicit(&current_count, count, memory_order_release);
    atomic_store_explicit(&finished, 0, memory_order_release);
    const uint64_t generation = (atomic_load(&ticket) >> 32) + 1;
    atomic_store(&ticket, generation << 32);  // seq_cst: ordered before the sleepers check below
    if (atomic_load(&sleepers) > 0) {
        pthread_mutex_lock(&sleep_lock);
        pthread_cond_broadcast(&wake);
        pthread_mutex_unlock(&sleep_lock);
    }
    long done = work(generation);
    while (atomic_load_explicit(&finished, memory_order_acquire) + done < count) CPU_RELAX();
    inside_loop = 0;
    pthread_mutex_unlock(&run_lock);
    return 1;
}
