// Gadget.Gadgets: one class per gadget, typed events, IAsyncEnumerable<T> streams, filtered in the kernel by a container selection.
