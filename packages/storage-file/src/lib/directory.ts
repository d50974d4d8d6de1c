import { chmod, mkdir, stat } from "node:fs/promises";
import { FileStoreConfigError } from "../errors.js";
import { errnoOf } from "./io.js";

/**
 * Makes sure `dir` exists, is a directory and is private. A directory this call creates gets mode 0700
 * (given to `mkdir` and then verified, so a restrictive umask cannot leave it unusable). An existing
 * directory with any group or other permission bits, or owned by another user, is refused unless
 * `allowLoose` — credentials must not sit where others can list or read them.
 * @internal
 */
export async function preparePrivateDirectory(dir: string, allowLoose: boolean): Promise<void> {
  const notDirectory = () => new FileStoreConfigError(`File store path is not a directory: ${dir}`);
  let created: string | undefined;
  try {
    created = await mkdir(dir, { recursive: true, mode: 0o700 });
  } catch (error) {
    if (errnoOf(error) === "EEXIST" || errnoOf(error) === "ENOTDIR") throw notDirectory();
    throw error;
  }
  const info = await stat(dir);
  if (!info.isDirectory()) throw notDirectory();
  if (process.platform === "win32") return;
  if (created !== undefined) {
    if ((info.mode & 0o777) !== 0o700) await chmod(dir, 0o700);
    return;
  }
  if (allowLoose) return;
  const uid = process.getuid?.();
  if (uid !== undefined && info.uid !== uid) {
    throw new FileStoreConfigError(
      `File store directory ${dir} is owned by uid ${info.uid}, not by this user (uid ${uid}); ` +
        "pass allowLooseDirectory: true to use it anyway.",
    );
  }
  if ((info.mode & 0o077) !== 0) {
    const mode = (info.mode & 0o777).toString(8).padStart(3, "0");
    throw new FileStoreConfigError(
      `File store directory ${dir} has mode ${mode}; it must not be accessible to group or others ` +
        `(run: chmod 700 ${JSON.stringify(dir)}), or pass allowLooseDirectory: true.`,
    );
  }
}
