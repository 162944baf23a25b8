// Lets one function body compile for the host and for CUDA devices.
#pragma once

#if defined(__CUDACC__)
#define ADVSTEP_HOST_DEVICE __host__ __device__
#else
#define ADVSTEP_HOST_DEVICE
#endif
