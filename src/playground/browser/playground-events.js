// The Live events panel: a feed of session and account events, newest first, kept while signed
// in whichever panel or tab is shown (its subscription belongs to the page, not to a tab or to
// the panel), with pause, clear and filters; e-mails beside ids; a refused subscription says why.
(function () {
  "use strict";

  var P = window.Playground;
  var h = React.createElement;
  var KEEP = 200;
  // A renewed token opens the next subscription before the previous one ends: none is missed,
  // and an event both deliver is shown once.
  var OVERLAP_MS = 3000;

  var FIELDS = "type userId user { id email } sessionId occurredAt ipAddress userAgent reason";
  var EVERYONE = "subscription LiveEvents {\n  userSessionEvents(userId: null) { " + FIELDS + " }\n}";
  var OWN = "subscription LiveOwnEvents {\n  sessionEvents { " + FIELDS + " }\n}";

  var feed = { events: [], held: [], paused: false, status: "Not signed in.", state: "off", seen: {} };
  var listeners = [];
  var running = null; // { token, iterator }

  function changed() {
    listeners.forEach(function (l) { l(); });
  }

  function keyOf(event) {
    return [event.type, event.userId, event.sessionId, event.occurredAt, event.reason].join("|");
  }

  function add(event) {
    var key = keyOf(event);
    if (feed.seen[key]) return;
    feed.seen[key] = true;
    if (feed.paused) feed.held.unshift(event);
    else feed.events = [event].concat(feed.events).slice(0, KEEP);
    changed();
  }

  function stop(sub, afterMs) {
    if (!sub) return;
    sub.stopped = true;
    window.setTimeout(function () {
      if (sub.iterator && sub.iterator.return) sub.iterator.return();
    }, afterMs || 0);
  }

  function subscriptionDocument(name) {
    return {
      kind: "Document",
      definitions: [
        {
          kind: "OperationDefinition",
          operation: "subscription",
          name: { kind: "Name", value: name },
          selectionSet: { kind: "SelectionSet", selections: [] },
        },
      ],
    };
  }

  function start(session) {
    var everyone = session.user.role === "ADMIN";
    var sub = { token: session.accessToken, iterator: null, stopped: false };
    var previous = running;
    running = sub;
    feed.state = "connecting";
    feed.status = "Connecting…";
    changed();
    var query = everyone ? EVERYONE : OWN;
    var name = everyone ? "LiveEvents" : "LiveOwnEvents";
    Promise.resolve(
      P.baseFetcher(
        { query: query, operationName: name, variables: {} },
        // GraphiQL's fetcher picks the socket for a subscription by the parsed document GraphiQL
        // hands it; the playground has no parser of its own, so it says the same in that shape.
        { headers: { Authorization: "Bearer " + sub.token }, documentAST: subscriptionDocument(name) },
      ),
    )
      .then(function (iterable) {
        sub.iterator = iterable[Symbol.asyncIterator]();
        if (sub.stopped) return stop(sub);
        stop(previous, OVERLAP_MS);
        feed.state = "live";
        feed.status = everyone
          ? "Live: every user's session events."
          : "Live: your own session events (every user's need the ADMIN role).";
        changed();
        function next() {
          return sub.iterator.next().then(function (step) {
            if (step.done) {
              if (!sub.stopped && running === sub) refused("The gateway ended the subscription.");
              return;
            }
            var result = step.value || {};
            if (result.errors && result.errors.length > 0) {
              refused("Refused: " + P.describeErrors(result.errors));
              return;
            }
            var data = result.data || {};
            var event = data.userSessionEvents || data.sessionEvents;
            if (event) add(event);
            return next();
          });
        }
        return next();
      })
      .catch(function (error) {
        if (!sub.stopped && running === sub) refused("Refused: " + (error && error.message ? error.message : String(error)));
      });

    function refused(why) {
      if (running !== sub) return;
      feed.state = "refused";
      feed.status = why;
      changed();
    }
  }

  // Follows the session: a new or renewed token restarts the feed; signing out stops it.
  P.session.subscribe(function () {
    var session = P.session.current;
    if (!session) {
      stop(running);
      running = null;
      feed.state = "off";
      feed.status = "Not signed in.";
      changed();
      return;
    }
    if (!running || running.token !== session.accessToken) start(session);
  });

  P.liveEvents = feed;

  function useFeed() {
    var tick = React.useState(0);
    React.useEffect(function () {
      var listener = function () { tick[1](function (n) { return n + 1; }); };
      listeners.push(listener);
      return function () { listeners = listeners.filter(function (l) { return l !== listener; }); };
    }, []);
    return feed;
  }

  var TYPES = ["SESSION_CREATED", "SESSION_REFRESHED", "SESSION_REVOKED", "LOGIN_FAILED", "ACCOUNT_LOCKED", "PASSWORD_CHANGED"];

  function LiveEventsPanel() {
    var f = useFeed();
    var type = React.useState("");
    var who = React.useState("");
    var open = P.useOpenInTab();
    var needle = who[0].trim().toLowerCase();
    var shown = f.events.filter(function (e) {
      if (type[0] && e.type !== type[0]) return false;
      if (!needle) return true;
      return e.userId.toLowerCase().indexOf(needle) >= 0 || (e.user && e.user.email && e.user.email.toLowerCase().indexOf(needle) >= 0);
    });
    return h(
      P.Panel,
      { title: "Live events" },
      h("p", { className: "playground-feed-status", role: "status", "data-state": f.state }, f.status),
      h(
        "div",
        { className: "playground-filters" },
        h("button", {
          type: "button",
          onClick: function () {
            feed.paused = !feed.paused;
            if (!feed.paused) {
              feed.events = feed.held.concat(feed.events).slice(0, KEEP);
              feed.held = [];
            }
            changed();
          },
        }, f.paused ? "Resume (" + f.held.length + " waiting)" : "Pause"),
        h("button", { type: "button", onClick: function () { feed.events = []; feed.held = []; changed(); } }, "Clear"),
        h(
          "select",
          { "aria-label": "Event type", value: type[0], onChange: function (e) { type[1](e.target.value); } },
          [h("option", { key: "", value: "" }, "every type")].concat(TYPES.map(function (t) { return h("option", { key: t, value: t }, t); })),
        ),
        h("input", {
          type: "search", "aria-label": "Filter by user", placeholder: "e-mail or user id",
          value: who[0], onChange: function (e) { who[1](e.target.value); },
        }),
        h("button", {
          type: "button",
          onClick: function () { open({ query: P.session.current && P.session.current.user.role !== "ADMIN" ? OWN : EVERYONE, variables: {} }); },
        }, "Open the subscription in a tab"),
      ),
      h(
        "div",
        { className: "playground-table-wrap" },
        h(
          "table",
          { className: "playground-table", "aria-label": "Events" },
          h("thead", null, h("tr", null, ["When", "Event", "User", "Reason", "IP", "Device"].map(function (c) { return h("th", { key: c }, c); }))),
          h(
            "tbody",
            null,
            shown.map(function (e) {
              return h(
                "tr",
                { key: keyOf(e), "data-type": e.type, "data-user-id": e.userId },
                h("td", null, new Date(e.occurredAt).toLocaleTimeString()),
                h("td", null, e.type),
                h("td", null, (e.user && e.user.email) || "(unknown)", h("div", { className: "playground-muted" }, e.userId)),
                h("td", null, e.reason || ""),
                h("td", null, e.ipAddress || ""),
                h("td", null, e.userAgent || ""),
              );
            }),
          ),
        ),
      ),
      h("p", { className: "playground-muted" }, "Newest first; the last " + KEEP + " are kept while this page is open."),
    );
  }

  P.addPanel("Live events", P.icon("M3 12h4l3-8 4 16 3-8h4"), LiveEventsPanel);
})();
