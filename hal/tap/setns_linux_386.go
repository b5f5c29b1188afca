package tap

// sysSetns is setns(2) on linux/386, where the syscall package predates the
// call and lacks SYS_SETNS.
const sysSetns = 346
