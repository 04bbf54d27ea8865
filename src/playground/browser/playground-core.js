// The playground's shared pieces, loaded first: the page settings, a storage for GraphiQL that
// never keeps a secret, and a small GraphQL client the panels use. Plain ES2018 on purpose: the
// gateway serves these files as they are, without a bundler. Every file adds to window.Playground.
(function () {
  "use strict";

  var P = (window.Playground = window.Playground || {});
  var config = JSON.parse(document.getElementById("playground-config").textContent);
  var endpoint = new URL(config.endpoint, window.location.href);
  P.config = config;
  P.endpoint = endpoint;
  P.subscriptionUrl =
    (endpoint.protocol === "https:" ? "wss:" : "ws:") + "//" + endpoint.host + endpoint.pathname;

  // ---- storage without secrets ----
  //
  // GraphiQL keeps the tabs (query, variables, headers, last response), the history and the
  // favorites in localStorage. Whatever it writes passes through `scrubStored` first: values of
  // secret-looking names are emptied (in JSON variables, headers and inline GraphQL arguments),
  // JSON Web Tokens and Bearer credentials are cut out anywhere, and responses (which carry the
  // tokens of a login and the data of other people) are not kept at all.

  var SECRET_NAME =
    /pass(word|phrase)|token|secret|authorization|cookie|credential|recoveryCode|^code$|^otp$/i;
  // "name": "value" in JSON, and name: "value" in a GraphQL argument list.
  var NAMED_STRING = /("?)([A-Za-z_][\w-]*)\1(\s*:\s*)"(?:[^"\\\n]|\\.)*"/g;
  var JWT = /eyJ[\w-]*\.[\w-]+\.[\w-]*/g;
  var BEARER = /(Bearer|Basic)\s+[\w.~+/=-]+/gi;

  function scrubText(text) {
    if (typeof text !== "string" || text === "") return text;
    return text
      .replace(NAMED_STRING, function (match, quote, name, colon) {
        return SECRET_NAME.test(name) ? quote + name + quote + colon + '""' : match;
      })
      .replace(JWT, "")
      .replace(BEARER, "$1 ");
  }

  function scrubValue(value, key) {
    if (typeof value === "string") return key && SECRET_NAME.test(key) ? "" : scrubText(value);
    if (Array.isArray(value))
      return value.map(function (item) {
        return scrubValue(item);
      });
    if (value && typeof value === "object") {
      var copy = {};
      Object.keys(value).forEach(function (name) {
        if (name === "response") return; // a tab's last result: never stored
        copy[name] = scrubValue(value[name], name);
      });
      return copy;
    }
    return value;
  }

  /** What may be stored under `key` instead of `value`. */
  function scrubStored(key, value) {
    if (typeof value !== "string") return value;
    try {
      var parsed = JSON.parse(value);
      if (parsed && typeof parsed === "object") return JSON.stringify(scrubValue(parsed));
    } catch (error) {
      // not JSON: a query, variables or headers as the admin typed them (maybe half-typed)
    }
    return scrubText(value);
  }
  P.scrubStored = scrubStored;

  function browserStorage() {
    try {
      return window.localStorage;
    } catch (error) {
      return null; // storage blocked: GraphiQL runs without it
    }
  }

  /** GraphiQL's `storage` prop: localStorage, with every write scrubbed. */
  P.createStorage = function () {
    var base = browserStorage();
    if (!base) return null;
    var ownKeys = function () {
      var keys = [];
      for (var i = 0; i < base.length; i += 1) {
        var key = base.key(i);
        if (key && key.indexOf("graphiql:") === 0) keys.push(key);
      }
      return keys;
    };
    // What earlier versions of the playground stored unscrubbed is cleaned at once.
    ownKeys().forEach(function (key) {
      var stored = base.getItem(key);
      var clean = scrubStored(key, stored);
      if (clean !== stored) base.setItem(key, clean);
    });
    return {
      getItem: function (key) {
        return base.getItem(key);
      },
      setItem: function (key, value) {
        base.setItem(key, scrubStored(key, value));
      },
      removeItem: function (key) {
        base.removeItem(key);
      },
      clear: function () {
        ownKeys().forEach(function (key) {
          base.removeItem(key);
        });
      },
      get length() {
        return ownKeys().length;
      },
    };
  };

  // ---- a small GraphQL client for the panels ----

  /** Errors of a GraphQL answer as one readable line: "CODE (USER_xxxx): message". */
  P.describeErrors = function (errors) {
    return (errors || [])
      .map(function (error) {
        var ext = error.extensions || {};
        var code = [ext.code, ext.errorCode ? "(" + ext.errorCode + ")" : ""].filter(Boolean).join(" ");
        return (code ? code + ": " : "") + error.message;
      })
      .join("; ");
  };

  function PlaygroundError(message, errors) {
    var error = new Error(message);
    error.graphqlErrors = errors || [];
    return error;
  }

  /**
   * Runs `query` over HTTP with the signed-in token (P.session, loaded next) and resolves with its
   * data, or rejects with an Error whose message names the codes. `anonymous` sends no token;
   * `partial` resolves with { data, errors } when some fields were refused.
   */
  P.request = function (query, variables, options) {
    var opts = options || {};
    var headers = {
      "content-type": "application/json",
      accept: "application/graphql-response+json, application/json",
    };
    var ready = opts.anonymous || !P.session ? Promise.resolve(null) : P.session.fresh();
    return ready
      .then(function (token) {
        if (token) headers.authorization = "Bearer " + token;
        return fetch(endpoint.href, {
          method: "POST",
          headers: headers,
          body: JSON.stringify({ query: query, variables: variables || {} }),
          credentials: "omit",
        });
      })
      .then(function (response) {
        return response.json().catch(function () {
          throw PlaygroundError("The gateway answered HTTP " + response.status + " without GraphQL.");
        });
      })
      .then(function (result) {
        // Partial answers (a field the role may not read) are for the caller to show.
        if (opts.partial && result.data) return { data: result.data, errors: result.errors || [] };
        if (result.errors && result.errors.length > 0) {
          if (P.session && !opts.anonymous) P.session.observeErrors(result.errors);
          throw PlaygroundError(P.describeErrors(result.errors), result.errors);
        }
        return result.data;
      });
  };

  // ---- opening an operation in a new GraphiQL tab (from inside a plugin panel) ----

  /** A React hook for plugin panels: returns open({ query, variables }) that adds a tab. */
  P.useOpenInTab = function () {
    var editor = GraphiQL.React.useEditorContext({ nonNull: true });
    return function (operation) {
      var variables = operation.variables;
      var text =
        typeof variables === "string" ? variables : variables ? JSON.stringify(variables, null, 2) : "";
      editor.addTab();
      // The new tab's editors are filled once React has switched to it.
      window.setTimeout(function () {
        if (editor.queryEditor) editor.queryEditor.setValue(operation.query);
        if (editor.variableEditor) editor.variableEditor.setValue(text);
      }, 0);
    };
  };
})();
