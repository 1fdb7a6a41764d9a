import CSystemd
import Glibc

/// What maild does to its own process before it reads any secret.
public enum ProcessHardening {
    /// Marks the process not dumpable: a crash writes no core file, and processes of the same
    /// user cannot attach a debugger or read its memory through /proc.
    ///
    /// Why: maild holds account passwords and OAuth tokens in memory. `LimitCORE=0` in
    /// maild.service covers systemd starts only; this covers maild started by hand, by another
    /// supervisor or under a core_pattern that ignores the core size limit (a pipe to a crash
    /// collector). Returns the error text when the kernel refused (it never does on Linux).
    public static func forbidCoreDumpsAndTracing() -> String? {
        guard maild_set_not_dumpable() == 0 else { return String(cString: strerror(errno)) }
        return nil
    }
}
