//! Keeps the kiosk's resident memory near what it uses, on glibc (Debian). glibc gives each
//! thread that allocates under contention an arena of its own and keeps freed memory for
//! reuse, so a camera, capture and service thread each held tens of megabytes after the first
//! applicant (docs/BENCHMARKS.md, "Memory"). Two arenas are plenty for a handful of worker
//! threads, and the memory a finished session freed is handed back at each wipe (mallopt(3),
//! malloc_trim(3)). Elsewhere both are no-ops.

/// Caps glibc's malloc arenas at two; call before the worker threads start.
pub fn limit_arenas() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only changes allocator parameters; M_ARENA_MAX takes any positive count.
    unsafe {
        libc::mallopt(libc::M_ARENA_MAX, 2);
    }
}

/// Returns memory freed by the session to the system (all arenas).
pub fn release() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim only returns free pages to the kernel; no pointer is touched.
    unsafe {
        libc::malloc_trim(0);
    }
}
