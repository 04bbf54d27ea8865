// Small React pieces the admin panels share: the "operation it ran" box with "Open in a tab",
// a hook that runs panel operations, and formatting helpers.
(function () {
  "use strict";

  var P = window.Playground;
  var h = React.createElement;

  P.panels = [];

  /** Adds a GraphiQL plugin panel (its sidebar button is labelled "Show <title>"). */
  P.addPanel = function (title, icon, content) {
    P.panels.push({ title: title, icon: icon, content: content });
  };

  /** A sidebar icon from SVG path data. */
  P.icon = function (d) {
    return function Icon() {
      return h(
        "svg",
        {
          viewBox: "0 0 24 24",
          fill: "none",
          stroke: "currentColor",
          strokeWidth: 1.5,
          "aria-hidden": "true",
        },
        h("path", { d: d }),
      );
    };
  };

  P.formatTime = function (value) {
    if (!value) return "—";
    var date = new Date(value);
    return (
      date.toLocaleDateString(undefined, { month: "short", day: "numeric" }) + " " + date.toLocaleTimeString()
    );
  };

  /** Readable variables: what the admin would paste into the variables editor. */
  P.json = function (value) {
    return JSON.stringify(value, null, 2);
  };

  /**
   * A hook for panels: `run(title, query, variables)` runs an operation the admin should see; the
   * panel then shows it (and its outcome) with `h(P.LastOperation, { ops })`.
   */
  P.useOperations = function () {
    var last = React.useState(null);
    function run(title, query, variables) {
      var op = { title: title, query: query, variables: variables || {}, outcome: "running…", failed: false };
      last[1](op);
      return P.request(query, variables).then(
        function (data) {
          last[1](Object.assign({}, op, { outcome: "done" }));
          return data;
        },
        function (error) {
          last[1](Object.assign({}, op, { outcome: error.message, failed: true }));
          throw error;
        },
      );
    }
    return { last: last[0], run: run };
  };

  /** The last operation a panel ran: its name, outcome, text, and a button to open it in a tab. */
  P.LastOperation = function LastOperation(props) {
    var open = P.useOpenInTab();
    var op = props.ops.last;
    if (!op) return null;
    return h(
      "section",
      {
        className: "playground-last-op",
        "aria-label": "Last operation",
        "data-failed": op.failed ? "true" : "false",
      },
      h(
        "div",
        { className: "playground-last-op-head" },
        h("strong", null, op.title),
        h("span", { className: "playground-last-op-outcome" }, op.outcome),
        h(
          "button",
          {
            type: "button",
            onClick: function () {
              open(op);
            },
          },
          "Open in a tab",
        ),
      ),
      h("pre", null, op.query + "\n# variables\n" + P.json(op.variables)),
    );
  };

  /** A read of a panel's list: runs `load` when `key` changes, keeps data and error. */
  P.useLoad = function (load, key) {
    var state = React.useState({ data: null, error: "", loading: false });
    var version = React.useRef(0);
    function reload() {
      var mine = (version.current += 1);
      state[1](function (s) {
        return { data: s.data, error: "", loading: true };
      });
      load().then(
        function (data) {
          if (version.current === mine) state[1]({ data: data, error: "", loading: false });
        },
        function (error) {
          if (version.current === mine) state[1]({ data: null, error: error.message, loading: false });
        },
      );
    }
    // biome-ignore lint/correctness/useExhaustiveDependencies: the caller's key says when to load again
    React.useEffect(reload, [key]);
    return Object.assign({ reload: reload }, state[0]);
  };

  /** Shown in a panel while nobody is signed in. */
  P.SignInFirst = function SignInFirst() {
    return h(
      "p",
      { className: "playground-note" },
      "Sign in (top bar) as an ADMIN or MODERATOR to use this panel.",
    );
  };

  /** The panel frame: title and a wide body (the CSS widens the plugin pane for it). */
  P.Panel = function Panel(props) {
    return h(
      "section",
      { className: "playground-panel playground-wide", "aria-label": props.title },
      h("div", { className: "graphiql-doc-explorer-title" }, props.title),
      props.children,
    );
  };
})();
