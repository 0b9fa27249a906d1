/**
 * glibc's allocator settings for the processes that run the models (the segment and inpaint workers), as
 * GLIBC_TUNABLES. glibc reads them once, at process start: the worker images set them (Dockerfile; its
 * test checks they are these), and the bench's stage processes get them (bench/speed.ts).
 *
 * Why: each 2K frame brings buffers of 13 to 19 MB (the decoded frame, its luma with its reduced planes, the
 * probability map). By default glibc maps each one fresh and unmaps it when freed, and every page of a
 * fresh mapping is faulted in and zeroed at first touch: on the shared VMs of the development machine a
 * 2K luma plane took 40 to 65 ms to write fresh and 6 to 11 ms into reused memory. One arena, a fixed 32 MB
 * mapping threshold and up to 1 GB of freed heap kept make the next frame's buffers reuse the last one's
 * pages. The segment worker at 2K after the bench's quality sets had run (2026-12-05, an AMD EPYC),
 * without and with in turn, five pairs: 2.72/2.95, 2.54/3.40, 3.14/3.26, 2.68/2.96, 2.71/2.77 frames/s
 * (means 2.76 and 3.07, +11 %; keeping 256 MB instead of 1 GB gained less); peak memory no higher (4K
 * 1.29 -> 1.23 GB). At 4K the frame-sized buffers are over 32 MB and are mapped as before.
 */
export const MODEL_WORKER_GLIBC_TUNABLES = 'glibc.malloc.arena_max=1:glibc.malloc.mmap_threshold=33554432:glibc.malloc.trim_threshold=1073741824';
