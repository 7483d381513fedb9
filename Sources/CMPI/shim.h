// Open MPI's C interface for Swift. MPI's handles (MPI_COMM_WORLD, MPI_BYTE,
// MPI_SUM, MPI_IN_PLACE, ...) are macros that expand to casts of addresses of
// library globals, which Swift cannot import: these static-inline functions
// return them. Only GramianMPI imports this module, under the MPI trait.
#ifndef GRAMIAN_CMPI_SHIM_H
#define GRAMIAN_CMPI_SHIM_H
#include <mpi.h>

static inline MPI_Comm gramian_mpi_comm_world(void) { return MPI_COMM_WORLD; }
static inline MPI_Datatype gramian_mpi_byte(void) { return MPI_BYTE; }
static inline MPI_Datatype gramian_mpi_double(void) { return MPI_DOUBLE; }
static inline MPI_Datatype gramian_mpi_int64(void) { return MPI_INT64_T; }
static inline MPI_Op gramian_mpi_sum(void) { return MPI_SUM; }
static inline MPI_Op gramian_mpi_max(void) { return MPI_MAX; }
static inline void *gramian_mpi_in_place(void) { return MPI_IN_PLACE; }
static inline int gramian_mpi_success(void) { return MPI_SUCCESS; }
static inline int gramian_mpi_thread_funneled(void) { return MPI_THREAD_FUNNELED; }
static inline MPI_Errhandler gramian_mpi_errors_return(void) { return MPI_ERRORS_RETURN; }
static inline int gramian_mpi_max_error_string(void) { return MPI_MAX_ERROR_STRING; }

#endif
