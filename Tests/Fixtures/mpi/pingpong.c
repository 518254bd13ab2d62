/* pingpong.c -- OSU-style latency and bandwidth between ranks 0 and 1, for `scripts/bench mpi`.
 * Latency: half the round trip of a SIZE-byte message (default 8), averaged over ITERS.
 * Bandwidth: WINDOW non-blocking sends of 1 MiB, then a 4-byte reply, as osu_bw does.
 * Rank 0 prints "latency_us X" and "bandwidth_MBps Y". Usage: pingpong [ITERS] */
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>

#define WINDOW 64
#define BIG (1 << 20)

int main(int argc, char **argv) {
    MPI_Init(&argc, &argv);
    int rank, size;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    if (size < 2) { if (rank == 0) fprintf(stderr, "pingpong: needs 2 ranks\n"); MPI_Finalize(); return 2; }
    int iters = argc > 1 ? atoi(argv[1]) : 10000, warm = iters / 10;
    char small[8] = {0};
    char *big = calloc(WINDOW, BIG);
    MPI_Request req[WINDOW];

    double t0 = 0;
    for (int i = 0; i < iters + warm; i++) {
        if (i == warm) { MPI_Barrier(MPI_COMM_WORLD); t0 = MPI_Wtime(); }
        if (rank == 0) {
            MPI_Send(small, 8, MPI_CHAR, 1, 1, MPI_COMM_WORLD);
            MPI_Recv(small, 8, MPI_CHAR, 1, 1, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
        } else if (rank == 1) {
            MPI_Recv(small, 8, MPI_CHAR, 0, 1, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
            MPI_Send(small, 8, MPI_CHAR, 0, 1, MPI_COMM_WORLD);
        }
    }
    double latency = (MPI_Wtime() - t0) * 1e6 / iters / 2;

    int rounds = iters / 500 + 2, wrounds = 1;
    for (int i = 0; i < rounds + wrounds; i++) {
        if (i == wrounds) { MPI_Barrier(MPI_COMM_WORLD); t0 = MPI_Wtime(); }
        if (rank == 0) {
            for (int w = 0; w < WINDOW; w++) MPI_Isend(big + (size_t)w * BIG, BIG, MPI_CHAR, 1, 2, MPI_COMM_WORLD, &req[w]);
            MPI_Waitall(WINDOW, req, MPI_STATUSES_IGNORE);
            MPI_Recv(small, 4, MPI_CHAR, 1, 3, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
        } else if (rank == 1) {
            for (int w = 0; w < WINDOW; w++) MPI_Irecv(big + (size_t)w * BIG, BIG, MPI_CHAR, 0, 2, MPI_COMM_WORLD, &req[w]);
            MPI_Waitall(WINDOW, req, MPI_STATUSES_IGNORE);
            MPI_Send(small, 4, MPI_CHAR, 0, 3, MPI_COMM_WORLD);
        }
    }
    double seconds = MPI_Wtime() - t0;
    if (rank == 0) {
        printf("latency_us %.3f\n", latency);
        printf("bandwidth_MBps %.1f\n", (double)rounds * WINDOW * BIG / seconds / 1e6);
    }
    free(big);
    MPI_Finalize();
    return 0;
}
