# Spack recipe for seedsweep: a package repository of its own, added with
#   spack repo add packaging/spack
# and built from a clone with
#   cd seedsweep && spack dev-build seedsweep@0.1.0
# It passes the Makefile exactly what the Makefile takes (CC, the *_ROOT prefixes, ARCH, PREFIX).
# Not run here: no Spack installation was available where the Makefile and its tests were written.
from spack.package import *


class Seedsweep(MakefilePackage):
    """Trains a small CNN for many (training dataset, seed) pairs across MPI ranks and writes one
    HDF5 results file: how much test accuracy depends on the training set and on the seed."""

    homepage = "https://example.org/seedsweep"  # replace with where you host the repository
    git = homepage  # `spack dev-build` in a clone needs no download

    license("UNKNOWN")

    version("0.1.0")

    depends_on("c", type="build")
    depends_on("gmake", type="build")
    depends_on("mpi")
    depends_on("hdf5")
    # The code asks OpenBLAS for its kernel and thread count (openblas_get_corename, ...): not any BLAS.
    depends_on("openblas threads=pthreads")
    depends_on("libpng")
    depends_on("zlib-api")

    def _make_args(self):
        spec = self.spec
        return [
            "CC={0}".format(spec["mpi"].mpicc),
            "HDF5_ROOT={0}".format(spec["hdf5"].prefix),
            "OPENBLAS_ROOT={0}".format(spec["openblas"].prefix),
            "PNG_ROOT={0}".format(spec["libpng"].prefix),
            "ZLIB_ROOT={0}".format(spec["zlib-api"].prefix),
            "MPI_ROOT={0}".format(spec["mpi"].prefix),
            # Spack's compiler wrapper adds the flags of the spec's target: no -march of our own.
            "ARCH=",
        ]

    def build(self, spec, prefix):
        make(*self._make_args())

    def install(self, spec, prefix):
        make("install", "PREFIX={0}".format(prefix), *self._make_args())
