# allreduce.py -- mpi4py in the MPI fixture image: the ranks' sum through allreduce.
from mpi4py import MPI

comm = MPI.COMM_WORLD
total = comm.allreduce(comm.Get_rank(), op=MPI.SUM)
n = comm.Get_size()
assert total == n * (n - 1) // 2, total
if comm.Get_rank() == 0:
    print(f"mpi4py ok: {n} ranks, sum {total}, {MPI.Get_library_version().splitlines()[0]}")
