package tap

import "github.com/seed947b3480/legation/hal/ringdev"

// Stats are the device's counters since Open; they are the counters every
// ring device keeps. For a tap device: RxOversize counts frames longer than
// MTU+14 bytes; RxErrors counts failed reads, and the first one that is not
// transient stops the receive goroutine and takes the link down; TxFrames
// counts frames written to the kernel, and TxErrors frames the kernel
// refused, such as every frame written while the kernel side is down (EIO).
type Stats = ringdev.Stats
