/* ring.c -- the MPI fixture's test program: a token passed around all ranks, then an
 * allreduce of the ranks, then a check that the ranks of one node see one another's
 * shared memory (MPI_Win_allocate_shared), which is what fails when tasks do not share a
 * container. Rank 0 prints one line: "ring ok: N ranks, sum S, shared memory on K ranks". */
#include <mpi.h>
#include <stdio.h>

int main(int argc, char **argv) {
    MPI_Init(&argc, &argv);
    int rank, size;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);

    int token = 0;
    if (size > 1) {
        if (rank == 0) {
            token = 1;
            MPI_Send(&token, 1, MPI_INT, 1, 0, MPI_COMM_WORLD);
            MPI_Recv(&token, 1, MPI_INT, size - 1, 0, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
        } else {
            MPI_Recv(&token, 1, MPI_INT, rank - 1, 0, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
            token += 1;
            MPI_Send(&token, 1, MPI_INT, (rank + 1) % size, 0, MPI_COMM_WORLD);
        }
    } else {
        token = 1;
    }

    long sum = 0, mine = rank;
    MPI_Allreduce(&mine, &sum, 1, MPI_LONG, MPI_SUM, MPI_COMM_WORLD);

    /* Shared memory between the ranks of a node: each writes its rank into the node's
     * window; every rank then reads all of them through plain loads. */
    MPI_Comm node;
    MPI_Comm_split_type(MPI_COMM_WORLD, MPI_COMM_TYPE_SHARED, rank, MPI_INFO_NULL, &node);
    int nrank, nsize;
    MPI_Comm_rank(node, &nrank);
    MPI_Comm_size(node, &nsize);
    int *slots = NULL;
    MPI_Win win;
    MPI_Win_allocate_shared(sizeof(int), sizeof(int), MPI_INFO_NULL, node, &slots, &win);
    MPI_Win_fence(0, win);
    slots[0] = nrank + 1;
    MPI_Win_fence(0, win);
    int seen = 0;
    for (int r = 0; r < nsize; r++) {
        MPI_Aint bytes; int unit; int *other;
        MPI_Win_shared_query(win, r, &bytes, &unit, &other);
        if (other[0] == r + 1) seen++;
    }
    MPI_Win_fence(0, win);
    int shared = 0;
    MPI_Allreduce(&seen, &shared, 1, MPI_INT, MPI_MIN, node);
    int ok = shared == nsize, all = 0;
    MPI_Allreduce(&ok, &all, 1, MPI_INT, MPI_LAND, MPI_COMM_WORLD);
    MPI_Win_free(&win);
    MPI_Comm_free(&node);

    if (rank == 0) {
        if (token != size || sum != (long)size * (size - 1) / 2 || !all) {
            printf("ring FAILED: token %d, sum %ld, shared memory %s\n", token, sum, all ? "ok" : "not shared");
            MPI_Abort(MPI_COMM_WORLD, 1);
        }
        printf("ring ok: %d ranks, sum %ld, shared memory on %d ranks of node 0\n", size, sum, nsize);
    }
    MPI_Finalize();
    return 0;
}
