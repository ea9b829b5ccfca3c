//! Keeping a process that holds secrets from writing them out in a core dump.
//!
//! A crash (or `kill -QUIT`) of a process that holds a password, a token, a session key or a
//! cookie would otherwise leave them in a core file, and a dumpable process can be read by
//! any debugger of the same user. [`disable_core_dumps`] is called first thing by every
//! `flapjack` process; elsewhere than on Linux it does nothing.

use std::io;

/// Sets the core-file size limit to zero (soft and hard, so no child can raise it again)
/// and, on Linux, marks the process not dumpable (`PR_SET_DUMPABLE` 0: no core, no ptrace
/// attach by the same user, `/proc/self/mem` unreadable to others).
#[cfg(target_os = "linux")]
pub fn disable_core_dumps() -> io::Result<()> {
    let none = libc::rlimit { rlim_cur: 0, rlim_max: 0 };
    // SAFETY: setrlimit reads the struct we pass and touches nothing else.
    if unsafe { libc::setrlimit(libc::RLIMIT_CORE, &none) } != 0 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: PR_SET_DUMPABLE takes one integer argument; the unused ones are zero.
    if unsafe { libc::prctl(libc::PR_SET_DUMPABLE, 0, 0, 0, 0) } != 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(())
}

/// Sets the core-file size limit to zero where the platform has one.
#[cfg(all(unix, not(target_os = "linux")))]
pub fn disable_core_dumps() -> io::Result<()> {
    let none = libc::rlimit { rlim_cur: 0, rlim_max: 0 };
    // SAFETY: setrlimit reads the struct we pass and touches nothing else.
    if unsafe { libc::setrlimit(libc::RLIMIT_CORE, &none) } != 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(())
}

/// Nothing to do where there are no core limits to set.
#[cfg(not(unix))]
pub fn disable_core_dumps() -> io::Result<()> {
    Ok(())
}

#[cfg(test)]
#[cfg(target_os = "linux")]
mod tests {
    use super::*;

    #[test]
    fn after_it_the_process_dumps_no_core() {
        disable_core_dumps().unwrap();
        let mut limit = libc::rlimit { rlim_cur: 1, rlim_max: 1 };
        // SAFETY: getrlimit writes into the struct we own.
        assert_eq!(unsafe { libc::getrlimit(libc::RLIMIT_CORE, &mut limit) }, 0);
        assert_eq!((limit.rlim_cur, limit.rlim_max), (0, 0));
        // SAFETY: PR_GET_DUMPABLE takes no argument and returns the flag.
        assert_eq!(unsafe { libc::prctl(libc::PR_GET_DUMPABLE, 0, 0, 0, 0) }, 0);
    }
}
