#pragma once

/// Tells glibc's malloc to serve large blocks from its heap and keep freed memory, instead of mmap/munmap for every
/// large block. Activation buffers of tens of MB are allocated and freed for every batch; with the defaults each one
/// is a fresh mapping whose pages fault in (and are zeroed by the kernel) on first touch. No-op elsewhere.
void exemplar_retain_freed_memory(void);
