// The admin playground, loaded last: GraphiQL (from the gateway's own assets) with "Sign in" and
// "Who am I" as its first tabs, the Examples panel and the admin panels (playground-*.js), and the
// signed-in session's access token sent with every tab's request that sets no Authorization.
(function () {
  "use strict";

  var h = React.createElement;
  var P = window.Playground;
  var config = P.config;
  var endpoint = P.endpoint;

  function hasAuthorization(headers) {
    return Object.keys(headers || {}).some(function (name) {
      return name.toLowerCase() === "authorization";
    });
  }

  // Looks at what a tab's query or mutation returned: a payload with an accessToken signs the
  // playground in (as the sign-in form does); a logout, or the token being refused, signs it out.
  function observe(result, usedSessionToken) {
    if (!result || typeof result !== "object") return;
    var data = result.data || {};
    Object.keys(data).forEach(function (field) {
      var value = data[field];
      if (
        value &&
        typeof value === "object" &&
        typeof value.accessToken === "string" &&
        typeof value.expiresIn === "number"
      ) {
        P.session.adopt(value);
      }
    });
    if (!usedSessionToken) return;
    if (data.logout === true) {
      P.session.forget("Signed out.");
      return;
    }
    P.session.observeErrors(result.errors || []);
  }

  var baseFetcher = GraphiQL.createFetcher({ url: endpoint.href, subscriptionUrl: P.subscriptionUrl });

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
    var own = hasAuthorization(headers);
    // Subscriptions send these headers as the graphql-ws connection_init payload.
    return (own ? Promise.resolve(null) : P.session.fresh()).then(function (token) {
      var usedSessionToken = Boolean(token);
      if (usedSessionToken) headers.Authorization = "Bearer " + token;
      return Promise.resolve(baseFetcher(params, Object.assign({}, options, { headers: headers }))).then(
        function (result) {
          // HTTP answers arrive as a stream too (GraphiQL reads multipart responses), so each
          // payload is looked at as it passes through.
          if (result && typeof result[Symbol.asyncIterator] === "function") {
            return observed(result, usedSessionToken);
          }
          observe(result, usedSessionToken);
          return result;
        },
      );
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
    var open = P.useOpenInTab();
    return h(
      "section",
      { className: "playground-examples", "aria-label": "Examples" },
      h("div", { className: "graphiql-doc-explorer-title" }, "Examples"),
      h("p", null, "Each opens in a new tab. Sign in first (top bar): its token is sent with them."),
      h(
        "ul",
        null,
        config.examples.map(function (example) {
          return h(
            "li",
            { key: example.title },
            h(
              "button",
              {
                type: "button",
                onClick: function () {
                  open(example);
                },
              },
              example.title,
            ),
            h("p", null, example.description),
          );
        }),
      ),
    );
  }

  var examplesPlugin = { title: "Examples", icon: ExamplesIcon, content: ExamplesPanel };
  var startTabs = config.examples.filter(function (example) {
    return example.openAtStart;
  });

  // GraphiQL 3 fills the first tab's query from defaultTabs but not its variables: on a first
  // visit (no tabs stored yet) hand it those as the initial variables.
  var storage = P.createStorage();
  var firstVisit = !storage || !storage.getItem("graphiql:tabState");

  P.renderSessionBar(document.getElementById("playground-bar"));
  ReactDOM.createRoot(document.getElementById("graphiql")).render(
    h(GraphiQL, {
      fetcher: fetcher,
      storage: storage,
      defaultTabs: startTabs.map(function (example) {
        return { query: example.query, variables: example.variables };
      }),
      variables: firstVisit && startTabs.length > 0 ? startTabs[0].variables : undefined,
      defaultEditorToolsVisibility: true,
      plugins: [examplesPlugin].concat(P.panels || []),
      visiblePlugin: examplesPlugin,
      // Headers (tokens) stay out of localStorage unless the admin ticks "persist headers"; even
      // then the storage above empties Authorization values.
      shouldPersistHeaders: false,
      isHeadersEditorEnabled: true,
    }),
  );
})();
