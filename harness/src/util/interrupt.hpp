#pragma once

namespace vfs {

// SIGINT/SIGTERM set a flag instead of killing the harness outright, so that
// destructors still kill QEMU and the daemon and remove temporary directories.
void install_interrupt_handlers();
bool interrupted();

} // namespace vfs
