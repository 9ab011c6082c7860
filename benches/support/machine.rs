//! What the benches report about the machine and their own process.

/// The first line of `/proc/loadavg`, trimmed (empty when unreadable).
pub fn loadavg() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .unwrap_or_default()
        .trim()
        .to_owned()
}

/// A `kB` figure of this process's `/proc/self/status`, such as `VmRSS:`
/// or `VmHWM:` (0 when unreadable).
pub fn status_kib(field: &str) -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .unwrap_or_default()
        .lines()
        .find_map(|line| line.strip_prefix(field))
        .and_then(|rest| rest.split_whitespace().next()?.parse().ok())
        .unwrap_or(0)
}
