import { startTestServer } from "../support/test-server";
it("probe", async () => {
  const s = await startTestServer();
  for (const q of ["query { ", "{ me { id } } }", "{ nope }"]) {
    const r = await fetch(s.graphqlUrl, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ query: q }) });
    console.log(q, r.status, await r.text());
  }
  console.log(s.rawLogs().slice(-3000));
  await s.stop();
});
