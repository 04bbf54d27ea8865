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
  var running = null; // { token, stopped, close }

  function changed() {
    listeners.forEach(function (l) {
      l();
    });
  }

  function keyOf(event) {
    return [event.type, event.userId, event.sessionId, event.occurredAt, event.reason].join("|");
  }

  function add(event) {
    var key = keyOf(event);
    if (feed.seen[key]) return;
    feed.seen[key] = true;
    if (feed.paused) feed.held = [event].concat(feed.held).slice(0, KEEP);
    else feed.events = [event].concat(feed.events).slice(0, KEEP);
    // Remember only what is still shown or held, so a page left open does not grow.
    if (Object.keys(feed.seen).length > 4 * KEEP) {
      feed.seen = {};
      feed.events.concat(feed.held).forEach(function (e) {
        feed.seen[keyOf(e)] = true;
      });
    }
    changed();
  }

  /**
   * One subscription on its own graphql-ws socket (the graphql-transport-ws protocol, spoken
   * directly): GraphiQL's client retries a refused socket five times with back-off before it
   * reports anything, and a feed must say at once why it stopped.
   */
  function openSocket(token, query, operationName, handlers) {
    var socket = new WebSocket(P.subscriptionUrl, "graphql-transport-ws");
    var closing = false;
    socket.onopen = function () {
      socket.send(JSON.stringify({ type: "connection_init", payload: { authorization: "Bearer " + token } }));
    };
    socket.onmessage = function (message) {
      var msg;
      try {
        msg = JSON.parse(message.data);
      } catch (error) {
        return;
      }
      if (msg.type === "connection_ack") {
        socket.send(
          JSON.stringify({
            id: "1",
            type: "subscribe",
            payload: { query: query, operationName: operationName, variables: {} },
          }),
        );
        handlers.open();
      } else if (msg.type === "ping") {
        socket.send(JSON.stringify({ type: "pong" }));
      } else if (msg.type === "next" && msg.payload) {
        handlers.next(msg.payload);
      } else if (msg.type === "error") {
        handlers.fail("Refused: " + P.describeErrors(msg.payload));
      } else if (msg.type === "complete") {
        handlers.fail("The gateway ended the subscription.");
      }
    };
    socket.onclose = function (event) {
      if (closing) return;
      handlers.fail(
        "The gateway closed the connection (" +
          event.code +
          (event.reason ? " " + event.reason : "") +
          "): " +
          (event.code === 1000 || event.code === 1001
            ? "sign in again to resume."
            : "refused or ended; sign in again."),
      );
    };
    return function close() {
      closing = true;
      if (socket.readyState === WebSocket.OPEN) socket.send(JSON.stringify({ id: "1", type: "complete" }));
      socket.close(1000, "Normal Closure");
    };
  }

  function stop(sub, afterMs) {
    if (!sub) return;
    sub.stopped = true;
    window.setTimeout(sub.close, afterMs || 0);
  }

  function start(session) {
    var everyone = session.user.role === "ADMIN";
    var sub = { token: session.accessToken, stopped: false, close: null };
    var previous = running;
    running = sub;
    feed.state = "connecting";
    feed.status = "Connecting…";
    changed();
    function settle(state, status) {
      if (running !== sub || sub.stopped) return;
      feed.state = state;
      feed.status = status;
      changed();
    }
    sub.close = openSocket(sub.token, everyone ? EVERYONE : OWN, everyone ? "LiveEvents" : "LiveOwnEvents", {
      open: function () {
        stop(previous, OVERLAP_MS);
        settle(
          "live",
          everyone
            ? "Live: every user's session events."
            : "Live: your own session events (every user's need the ADMIN role).",
        );
      },
      next: function (result) {
        if (result.errors && result.errors.length > 0)
          return settle("refused", "Refused: " + P.describeErrors(result.errors));
        var data = result.data || {};
        var event = data.userSessionEvents || data.sessionEvents;
        if (event && !sub.stopped) add(event);
      },
      fail: function (why) {
        settle("refused", why);
      },
    });
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
      var listener = function () {
        tick[1](function (n) {
          return n + 1;
        });
      };
      listeners.push(listener);
      return function () {
        listeners = listeners.filter(function (l) {
          return l !== listener;
        });
      };
    }, []);
    return feed;
  }

  var TYPES = [
    "SESSION_CREATED",
    "SESSION_REFRESHED",
    "SESSION_REVOKED",
    "LOGIN_FAILED",
    "ACCOUNT_LOCKED",
    "PASSWORD_CHANGED",
  ];

  function LiveEventsPanel() {
    var f = useFeed();
    var type = React.useState("");
    var who = React.useState("");
    var open = P.useOpenInTab();
    var needle = who[0].trim().toLowerCase();
    var shown = f.events.filter(function (e) {
      if (type[0] && e.type !== type[0]) return false;
      if (!needle) return true;
      return (
        e.userId.toLowerCase().indexOf(needle) >= 0 ||
        (e.user && e.user.email && e.user.email.toLowerCase().indexOf(needle) >= 0)
      );
    });
    return h(
      P.Panel,
      { title: "Live events" },
      h("p", { className: "playground-feed-status", role: "status", "data-state": f.state }, f.status),
      h(
        "div",
        { className: "playground-filters" },
        h(
          "button",
          {
            type: "button",
            onClick: function () {
              feed.paused = !feed.paused;
              if (!feed.paused) {
                feed.events = feed.held.concat(feed.events).slice(0, KEEP);
                feed.held = [];
              }
              changed();
            },
          },
          f.paused ? "Resume (" + f.held.length + " waiting)" : "Pause",
        ),
        h(
          "button",
          {
            type: "button",
            onClick: function () {
              feed.events = [];
              feed.held = [];
              feed.seen = {};
              changed();
            },
          },
          "Clear",
        ),
        h(
          "select",
          {
            "aria-label": "Event type",
            value: type[0],
            onChange: function (e) {
              type[1](e.target.value);
            },
          },
          [h("option", { key: "", value: "" }, "every type")].concat(
            TYPES.map(function (t) {
              return h("option", { key: t, value: t }, t);
            }),
          ),
        ),
        h("input", {
          type: "search",
          "aria-label": "Filter by user",
          placeholder: "e-mail or user id",
          value: who[0],
          onChange: function (e) {
            who[1](e.target.value);
          },
        }),
        h(
          "button",
          {
            type: "button",
            onClick: function () {
              open({
                query: P.session.current && P.session.current.user.role !== "ADMIN" ? OWN : EVERYONE,
                variables: {},
              });
            },
          },
          "Open the subscription in a tab",
        ),
      ),
      h(
        "div",
        { className: "playground-table-wrap" },
        h(
          "table",
          { className: "playground-table", "aria-label": "Events" },
          h(
            "thead",
            null,
            h(
              "tr",
              null,
              ["When", "Event", "User", "Reason", "IP", "Device"].map(function (c) {
                return h("th", { key: c }, c);
              }),
            ),
          ),
          h(
            "tbody",
            null,
            shown.map(function (e) {
              return h(
                "tr",
                { key: keyOf(e), "data-type": e.type, "data-user-id": e.userId },
                h("td", null, new Date(e.occurredAt).toLocaleTimeString()),
                h("td", null, e.type),
                h(
                  "td",
                  null,
                  (e.user && e.user.email) || "(unknown)",
                  h("div", { className: "playground-muted" }, e.userId),
                ),
                h("td", null, e.reason || ""),
                h("td", null, e.ipAddress || ""),
                h("td", null, e.userAgent || ""),
              );
            }),
          ),
        ),
      ),
      h(
        "p",
        { className: "playground-muted" },
        "Newest first; the last " + KEEP + " are kept while this page is open.",
      ),
    );
  }

  P.addPanel("Live events", P.icon("M3 12h4l3-8 4 16 3-8h4"), LiveEventsPanel);
})();
