package motoserver

import "syscall"

// sysProcAttr puts the server in its own process group and, should the test
// binary die without calling Stop, has the kernel end it too.
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
}
