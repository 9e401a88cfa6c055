/** What the user should do about a failed file operation, by its errno code. */
export function ioHint(err: unknown): string {
  switch ((err as NodeJS.ErrnoException).code) {
    case 'ENOSPC':
      return 'the disk is full; free space or lower retention';
    case 'EMFILE':
    case 'ENFILE':
      return 'too many open files; raise the open-file limit (ulimit -n) or close other programs';
    case 'EACCES':
    case 'EPERM':
    case 'EROFS':
      return 'check the permissions of the data directory';
    default:
      return 'check the disk and the data directory permissions';
  }
}
