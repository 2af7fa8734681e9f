// The part of libgomp's omp.h that FAISS's headers and the shim use. libgomp's own omp.h lives in GCC's private
// include directory (/usr/lib/gcc/<triple>/<version>/include), which the Swift toolchain's clang does not search,
// and faiss/impl/HNSW.h includes <omp.h>. Layouts and signatures are libgomp's, the runtime libfaiss.a was built for.
#ifndef CFAISS_LIBGOMP_OMP_H
#define CFAISS_LIBGOMP_OMP_H

#ifdef __cplusplus
extern "C" {
#endif

typedef struct {
    unsigned char _x[4] __attribute__((__aligned__(4)));
} omp_lock_t;

void omp_set_num_threads(int);
int omp_get_max_threads(void);
int omp_in_parallel(void);
int omp_get_thread_num(void);
void omp_init_lock(omp_lock_t *);
void omp_destroy_lock(omp_lock_t *);
void omp_set_lock(omp_lock_t *);
void omp_unset_lock(omp_lock_t *);

/// What GCC emits around an unnamed `#pragma omp critical` block (the one lock all such blocks share).
void GOMP_critical_start(void);
void GOMP_critical_end(void);

/// What GCC emits for `#pragma omp parallel num_threads(n)`: runs fn(data) on a team of n threads (the caller
/// included). Called directly because the toolchain's clang generates OpenMP code for LLVM's runtime only.
void GOMP_parallel(void (*fn)(void *), void *data, unsigned num_threads, unsigned flags);

#ifdef __cplusplus
}
#endif

#endif
