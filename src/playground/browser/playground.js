// The admin playground: GraphiQL (loaded before this file from the gateway's own assets) with the
// gateway's example operations as tabs and an Examples panel, and the access token of the last
// `login` (or `register`, `refreshToken`) sent with the requests that follow. Plain ES2018 on
// purpose: the gateway serves this file as it is, without a bundler.
(function () {
  "use strict";

  var h = React.createElement;
  var config = JSON.parse(document.getElementById("playground-config").textContent);
  var endpoint = new URL(config.endpoint, window.location.href);
  var subscriptionUrl =
    (endpoint.protocol === "https:" ? "wss:" : "ws:") + "//" + endpoint.host + endpoint.pathname;

  // ---- the signed-in token: kept in memory only, so a reload or a closed tab forgets it ----

  var session = null; // { token, email, role, expiresAt }
  var sessionText = document.getElementById("playground-session");
  var forgetButton = document.getElementById("playground-forget");

  function showSession(note) {
    if (session) {
      var who = session.email ? session.email + (session.role ? " (" + session.role + ")" : "") : "a user";
      sessionText.textContent =
        "Signed in as " + who + ". Its access token is sent with every request whose headers " +
        "set no Authorization" + (session.expiresAt ? ", until " + session.expiresAt.toLocaleTimeString() : "") + ".";
      sessionText.dataset.state = "signed-in";
      forgetButton.hidden = false;
    } else {
      sessionText.textContent =
        (note ? note + " " : "") +
        "Not signed in: run the “Log in” tab, or set an Authorization header under Headers.";
      sessionText.dataset.state = note ? "signed-out-note" : "signed-out";
      forgetButton.hidden = true;
    }
  }

  forgetButton.addEventListener("click", function () {
    session = null;
    showSession("Token forgotten.");
  });

  function hasAuthorization(headers) {
    return Object.keys(headers || {}).some(function (name) {
      return name.toLowerCase() === "authorization";
    });
  }

  // Looks at what a query or mutation returned: a payload with an accessToken signs the
  // playground in; a logout, or the token being refused, signs it out.
  function observe(result, usedSessionToken) {
    if (!result || typeof result !== "object") return;
    var data = result.data || {};
    Object.keys(data).forEach(function (field) {
      var value = data[field];
      if (value && typeof value === "object" && typeof value.accessToken === "string") {
        var user = value.user || {};
        session = {
          token: value.accessToken,
          email: user.email,
          role: user.role,
          expiresAt:
            typeof value.expiresIn === "number" ? new Date(Date.now() + value.expiresIn * 1000) : null,
        };
        showSession();
      }
    });
    if (!usedSessionToken) return;
    if (data.logout === true) {
      session = null;
      showSession("Logged out.");
      return;
    }
    var refused = (result.errors || []).some(function (error) {
      var ext = error.extensions || {};
      return ext.code === "UNAUTHENTICATED" && ext.reason;
    });
    if (refused) {
      session = null;
      showSession("The token was refused (expired, or its session ended): log in again.");
    }
  }

  var baseFetcher = GraphiQL.createFetcher({ url: endpoint.href, subscriptionUrl: subscriptionUrl });

  // Names of the operations a document defines (comments removed first).
  function operationNames(query) {
    var names = [];
    var pattern = /(?:^|[\s{}])(?:query|mutation|subscription)\s+([_A-Za-z][_0-9A-Za-z]*)/g;
    var text = String(query || "").replace(/#[^\n\r]*/g, "");
    var match;
    while ((match = pattern.exec(text))) names.push(match[1]);
    return names;
  }

  function fetcher(params, options) {
    // Switching tabs and running at once can send the previous tab's operation name, which the
    // server refuses and which would send a subscription over HTTP: keep it only if it exists.
    var names = operationNames(params.query);
    if (params.operationName && names.indexOf(params.operationName) < 0) {
      params = Object.assign({}, params, { operationName: names.length === 1 ? names[0] : undefined });
    }
    var headers = Object.assign({}, options && options.headers);
    var usedSessionToken = Boolean(session) && !hasAuthorization(headers);
    if (usedSessionToken) headers.Authorization = "Bearer " + session.token;
    // Subscriptions send these headers as the graphql-ws connection_init payload.
    return Promise.resolve(
      baseFetcher(params, Object.assign({}, options, { headers: headers })),
    ).then(function (result) {
      // HTTP answers arrive as a stream too (GraphiQL reads multipart responses), so each
      // payload is looked at as it passes through.
      if (result && typeof result[Symbol.asyncIterator] === "function") {
        return observed(result, usedSessionToken);
      }
      observe(result, usedSessionToken);
      return result;
    });
  }

  async function* observed(source, usedSessionToken) {
    for await (const value of source) {
      observe(value, usedSessionToken);
      yield value;
    }
  }

  // ---- examples: preloaded as tabs, and one click away in the Examples panel ----

  function ExamplesIcon() {
    return h(
      "svg",
      { viewBox: "0 0 24 24", fill: "none", stroke: "currentColor", strokeWidth: 1.5, "aria-hidden": "true" },
      h("path", { d: "M4 5h16M4 10h16M4 15h10M4 20h7" }),
    );
  }

  function ExamplesPanel() {
    var editor = GraphiQL.React.useEditorContext({ nonNull: true });
    function open(example) {
      editor.addTab();
      // The new tab's editors are filled once React has switched to it.
      window.setTimeout(function () {
        if (editor.queryEditor) editor.queryEditor.setValue(example.query);
        if (editor.variableEditor) editor.variableEditor.setValue(example.variables || "");
      }, 0);
    }
    return h(
      "section",
      { className: "playground-examples", "aria-label": "Examples" },
      h("div", { className: "graphiql-doc-explorer-title" }, "Examples"),
      h("p", null, "Each opens in a new tab. Run “Log in” first: its token is used for the rest."),
      h(
        "ul",
        null,
        config.examples.map(function (example) {
          return h(
            "li",
            { key: example.title },
            h("button", { type: "button", onClick: function () { open(example); } }, example.title),
            h("p", null, example.description),
          );
        }),
      ),
    );
  }

  var examplesPlugin = { title: "Examples", icon: ExamplesIcon, content: ExamplesPanel };

  // GraphiQL 3 fills the first tab's query from defaultTabs but not its variables: on a first
  // visit (no tabs stored yet) hand it those as the initial variables.
  var firstVisit = true;
  try {
    firstVisit = !window.localStorage.getItem("graphiql:tabState");
  } catch (error) {
    // storage blocked: GraphiQL runs without it, and every visit is a first one
  }

  showSession();
  ReactDOM.createRoot(document.getElementById("graphiql")).render(
    h(GraphiQL, {
      fetcher: fetcher,
      defaultTabs: config.examples.map(function (example) {
        return { query: example.query, variables: example.variables };
      }),
      variables: firstVisit && config.examples.length > 0 ? config.examples[0].variables : undefined,
      defaultEditorToolsVisibility: true,
      plugins: [examplesPlugin],
      visiblePlugin: examplesPlugin,
      // Headers (tokens) stay out of localStorage unless the admin ticks "persist headers".
      shouldPersistHeaders: false,
      isHeadersEditorEnabled: true,
    }),
  );
})();
