//! Keeps the kiosk's resident memory near what it uses, on glibc (Debian). glibc gives each
//! thread that allocates under contention an arena of its own and keeps freed memory for
//! reuse, so a camera, capture and service thread each held tens of megabytes after the first
//! applicant (docs/BENCHMARKS.md, "Memory"). Two arenas are plenty for a handful of worker
//! threads. Camera frames and photos are large buffers (a 1280×720 RGB frame is 2.7 MB): glibc
//! serves them with mmap(2) at first but raises its mmap threshold to the largest buffer freed, so
//! from the second frame on they came from the arenas and the freed space stayed resident,
//! fragmented between smaller live blocks. A fixed threshold keeps every buffer above 256 KiB
//! in its own mapping, returned to the system the moment it is freed. What a finished session
//! freed in the arenas is handed back at each wipe. (mallopt(3), malloc_trim(3).) Elsewhere all
//! three are no-ops.

/// Buffers at least this large (bytes) get a mapping of their own (M_MMAP_THRESHOLD).
#[cfg(all(target_os = "linux", target_env = "gnu"))]
const OWN_MAPPING_BYTES: libc::c_int = 256 * 1024;

/// Caps glibc's malloc arenas at two and fixes the mmap threshold; call before the worker
/// threads start.
pub fn limit_arenas() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        // SAFETY: mallopt only changes allocator parameters; M_ARENA_MAX takes any positive
        // count, M_MMAP_THRESHOLD any size up to 32 MiB on 64-bit (setting it also ends the
        // dynamic adjustment).
        let accepted = unsafe {
            [
                libc::mallopt(libc::M_ARENA_MAX, 2),
                libc::mallopt(libc::M_MMAP_THRESHOLD, OWN_MAPPING_BYTES),
            ]
        };
        // mallopt returns 0 for a parameter it refuses; the kiosk still runs, on more memory.
        if accepted.contains(&0) {
            tracing::warn!(
                ?accepted,
                "malloc tuning refused (M_ARENA_MAX, M_MMAP_THRESHOLD)"
            );
        }
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
