import { runLoad, type LoadSpec } from "./load";

/** A child process that runs one load (see load.ts) and sends back its result. */
process.once("message", (spec: LoadSpec) => {
  const window = {
    start: () => process.send!({ window: "start" }),
    end: () => process.send!({ window: "end" }),
  };
  runLoad(spec, window).then(
    (result) => process.send!({ result }, () => process.exit(0)),
    (error: Error) => process.send!({ error: error.stack ?? String(error) }, () => process.exit(1)),
  );
});
process.send!({ ready: true });
