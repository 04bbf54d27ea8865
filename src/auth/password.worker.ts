import os from "node:os";
import { workerData } from "node:worker_threads";
import bcrypt from "bcrypt";
import workerpool from "workerpool";

/**
 * A hashing thread of PasswordHasher. It lowers its own scheduling priority first (on Linux the
 * nice value belongs to the thread): hashing then takes whatever CPU is idle, but yields a core
 * at once to the event loop, so requests that need no hashing stay fast during a login flood.
 */
const { nice } = workerData as { nice: number };
try {
  os.setPriority(nice);
} catch {
  // Not allowed here (some sandboxes): hash at normal priority.
}

workerpool.worker({
  hash: (password: string, rounds: number) => bcrypt.hashSync(password, rounds),
  compare: (password: string, hash: string) => bcrypt.compareSync(password, hash),
});
