namespace Gadget.Gadgets;

/// <summary>The system call a <see cref="MountEvent"/> reports.</summary>
public enum MountOperation
{
    /// <summary><c>mount(2)</c>: mount, remount, bind, move or change propagation (by its <c>MS_*</c> flags).</summary>
    Mount = 0,

    /// <summary><c>umount2(2)</c> (flags <c>MNT_*</c>).</summary>
    Unmount = 1,

    /// <summary><c>move_mount(2)</c> (Linux 5.2; flags <c>MOVE_MOUNT_*</c>): how the new mount API attaches a mount.</summary>
    MoveMount = 2,
}
