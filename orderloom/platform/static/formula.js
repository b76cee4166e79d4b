/*
 * Orderloom formulas in the browser: the same values as the server, for live previews.
 *
 * The server parses and checks every formula and sends it as JSON
 * (orderloom.dsl.ast_json.to_ast_json): {formula, type, money_places, ast}.
 * This file only evaluates that tree; it never parses formula text.
 *
 *   Formula.evaluate(compiled, values, {now, calendar})  -> a value, or a Formula.Fault
 *       compiled: the JSON above; values: the order data as JSON (money as text
 *       "12.50", dates "2024-05-03", line items as a list of objects);
 *       now: an ISO datetime or Date for TODAY()/NOW() (default: the clock);
 *       calendar: the instance's business calendar as GET /api/v1/business-calendar
 *       answers it, which WORKDAY and NETWORKDAYS without holidays count with, and
 *       whose time_zone HOUR, MINUTE and TODAY read the clock in (default: Saturday
 *       and Sunday off, no holidays, UTC).
 *   Formula.toJSON(value)   -> the value as the server stores it ("12.50", "2024-05-03")
 *   Formula.toText(value)   -> the value as `&` shows it
 *   Formula.isFault(value)  -> true for a fault (message, line, column, code: Excel's
 *                              error value such as "#DIV/0!", null for a budget fault)
 *   Formula.FUNCTIONS       -> the names of the functions this file knows
 *
 * Semantics follow orderloom/dsl exactly: NULL rules, integers kept apart from
 * decimals, and decimals that keep their exponent as Python's Decimal does
 * (1.10 + 1 is 2.10), 34 significant digits rounded half-even, money rounded
 * half-up to its places. That is why numbers are a small BigInt decimal here
 * rather than decimal.js or big.js, which drop trailing zeros. A function the
 * file does not know raises a fault naming it: a preview never shows a wrong
 * value silently. tests/dsl/test_js_parity.py compares it with the server.
 */
(function (root) {
  "use strict";

  var PREC = 34;
  var EMAX = 1000;
  var MAX_EXPONENT = 100;
  var MAX_TEXT = 100000;
  var MAX_LIST = 10000;
  var MAX_REGEX_INPUT = 2000;
  var MAX_STEPS = 1000000;
  var INT_LIMIT = 10n ** 134n;

  // REGEXMATCH runs RE2's syntax and guarantees here too: re2js (static/vendor/re2js,
  // loaded before this file) matches in time linear in the text, where the browser's
  // own RegExp backtracks and a pattern such as (a+)+$ would freeze the page. Its
  // errors are worded as orderloom/dsl/regex.py words RE2's (REFUSALS there).
  var RE2 = (root.RE2JS && root.RE2JS.RE2JS) ||
    (typeof require === "function" ? require("./vendor/re2js/re2js.js").RE2JS : null);
  var MAX_REGEX_PATTERN = 200;
  var REFUSALS = {
    "invalid escape sequence": "an unknown escape",
    "invalid or unsupported Perl syntax": "an unsupported (? group",
    "missing closing )": "a ( is not closed",
    "unexpected )": "a ) has no matching (",
    "missing closing ]": "a [ is not closed",
    "invalid nested repetition operator": "a repeat of a repeat",
    "missing argument to repetition operator": "a repeat with nothing to repeat",
    "invalid repeat count": "a repeat count above 1000 or out of order",
    "trailing backslash at end of expression": "a \\ at the end",
    "invalid character class range": "an invalid character range or class",
    "invalid character class": "an invalid character range or class",
    "invalid named capture": "an invalid group name",
    "duplicate capture group name": "a group name used twice"
  };
  var LOOKAROUND = ["(?=", "(?!", "(?<=", "(?<!"];
  var patterns = new Map();

  function startsWithAny(text, prefixes) {
    return prefixes.some(function (p) { return text.indexOf(p) === 0; });
  }

  function refusal(pattern, what, fragment) {
    fragment = fragment || "";
    if (startsWithAny(fragment, LOOKAROUND)) {
      return "lookahead and lookbehind ((?=, (?!, (?<=, (?<!) are not allowed";
    }
    if (/^\\[1-9k]/.test(fragment) || (fragment.indexOf("(?P") === 0 && pattern.indexOf("(?P=") >= 0)) {
      return "backreferences (\\1, (?P=name)) are not allowed";
    }
    return "the pattern is not valid: " + (REFUSALS[what] || what);
  }

  // The compiled pattern, or the reason it is refused (a string).
  function compilePattern(pattern) {
    if (patterns.has(pattern)) return patterns.get(pattern);
    var result;
    if (chars(pattern).length > MAX_REGEX_PATTERN) {
      result = "the pattern is longer than " + MAX_REGEX_PATTERN + " characters";
    } else {
      try {
        result = RE2.compile(pattern);
      } catch (e) {
        if (e === null || e.error === undefined) throw e;
        result = refusal(pattern, e.error, e.input);
      }
    }
    if (patterns.size > 256) patterns.clear();
    patterns.set(pattern, result);
    return result;
  }

  // A fault is the formula's error value (orderloom/dsl/errors.py): it carries Excel's
  // code, which IFERROR, IFNA and the IS functions read; a fault of the budget has none
  // and nothing catches it.
  var VALUE = "#VALUE!", DIV0 = "#DIV/0!", NUM = "#NUM!", NA = "#N/A";

  function Fault(message, at, code) {
    this.message = message;
    this.line = at ? at[0] : 1;
    this.column = at ? at[1] : 1;
    this.code = code === undefined ? VALUE : code;
  }
  // The function only the server works out, when this fault is one: not a failure but a
  // value not known here yet.
  Fault.prototype.server = null;
  Fault.prototype.toString = function () {
    return this.line + ":" + this.column + ": " + this.message;
  };

  function fail(message, code) {
    throw new Fault(message, null, code);
  }

  // Functions whose records stay on the server (functions.py SERVER_ONLY). Their value
  // is unknown here: no IFERROR, IFNA or IS function catches it (the server would not
  // fail), and every formula that reads it is unknown too, as the order form shows.
  var SERVER_ONLY = { ADDRESSPART: true, PRODUCTINFO: true, CUSTOMERINFO: true, LISTPRICE: true };
  function unknownHere(name) {
    var fault = new Fault(name + " is worked out by the server; its value shows once the order is saved",
      null, null);
    fault.server = name;
    throw fault;
  }

  // --- decimals ---------------------------------------------------------------------------
  // sign s (0 or 1, so -0.00 exists as in Python), coefficient c >= 0n, exponent e.

  function Dec(s, c, e) {
    this.s = s;
    this.c = c;
    this.e = e;
  }

  function isDec(v) { return v instanceof Dec; }
  function isInt(v) { return typeof v === "bigint"; }
  function isNum(v) { return isInt(v) || isDec(v); }

  function pow10(n) { return 10n ** BigInt(n); }
  function ndigits(c) { return c === 0n ? 1 : c.toString().length; }

  function toDec(v) {
    if (isDec(v)) return v;
    return v < 0n ? new Dec(1, -v, 0) : new Dec(0, v, 0);
  }

  function signed(d) { return d.s ? -d.c : d.c; }

  var DEC_TEXT = /^([+-])?(?:(\d+)(?:\.(\d*))?|\.(\d+))(?:[eE]([+-]?\d+))?$/;

  function parseDec(text) {
    var m = DEC_TEXT.exec(text);
    if (!m) return null;
    var whole = m[2] !== undefined ? m[2] : "";
    var frac = m[3] !== undefined ? m[3] : (m[4] !== undefined ? m[4] : "");
    var e = (m[5] ? parseInt(m[5], 10) : 0) - frac.length;
    return new Dec(m[1] === "-" ? 1 : 0, BigInt((whole + frac) || "0"), e);
  }

  // Drop `drop` digits of c, rounding by `mode`; `sticky` says non-zero digits were
  // already dropped below these.
  function shed(s, c, drop, mode, sticky) {
    if (drop <= 0) return c;
    var p = pow10(drop);
    var q = c / p;
    var r = c % p;
    var half = p / 2n;
    var up = false;
    var inexact = r !== 0n || sticky;
    if (mode === "half_even") up = r > half || (r === half && (sticky || q % 2n === 1n));
    else if (mode === "half_up") up = r >= half;
    else if (mode === "up") up = inexact;
    else if (mode === "down") up = false;
    else if (mode === "ceiling") up = inexact && !s;
    else if (mode === "floor") up = inexact && !!s;
    return up ? q + 1n : q;
  }

  function finish(d) {
    if (d.c !== 0n && d.e + ndigits(d.c) - 1 > EMAX) fail("the number is too large or not defined", NUM);
    return d;
  }

  // Round to the context's 34 digits, half-even (Python's default context rounding).
  function context(s, c, e, sticky) {
    var n = ndigits(c);
    if (n > PREC || sticky) {
      var drop = Math.max(n - PREC, 0);
      c = shed(s, c, drop, "half_even", !!sticky);
      e += drop;
      if (ndigits(c) > PREC) { c = c / 10n; e += 1; }
    }
    return finish(new Dec(s, c, e));
  }

  function aligned(a, b) {
    var e = Math.min(a.e, b.e);
    return [signed(a) * pow10(a.e - e), signed(b) * pow10(b.e - e), e];
  }

  function decAdd(a, b) {
    a = toDec(a); b = toDec(b);
    var x = aligned(a, b);
    var sum = x[0] + x[1];
    var s = sum < 0n ? 1 : (sum === 0n ? (a.s && b.s ? 1 : 0) : 0);
    return context(s, sum < 0n ? -sum : sum, x[2]);
  }

  function decNeg(d) { return new Dec(d.s ? 0 : 1, d.c, d.e); }

  function decMul(a, b) {
    a = toDec(a); b = toDec(b);
    return context(a.s ^ b.s, a.c * b.c, a.e + b.e);
  }

  function decCmp(a, b) {
    a = toDec(a); b = toDec(b);
    var x = aligned(a, b);
    return x[0] < x[1] ? -1 : (x[0] > x[1] ? 1 : 0);
  }

  function isZero(v) { return isInt(v) ? v === 0n : v.c === 0n; }

  // Python's Context.divide: exact results at the ideal exponent, else 34 digits.
  function ctxDivide(a, b) {
    a = toDec(a); b = toDec(b);
    var s = a.s ^ b.s;
    var ideal = a.e - b.e;
    if (a.c === 0n) return new Dec(s, 0n, ideal);
    var k = Math.max(0, ndigits(b.c) - ndigits(a.c) + PREC + 1);
    var num = a.c * pow10(k);
    var q = num / b.c;
    var r = num % b.c;
    var e = ideal - k;
    if (r === 0n) {
      while (e < ideal && q % 10n === 0n) { q /= 10n; e += 1; }
      return context(s, q, e);
    }
    return context(s, q, e, true);
  }

  function integral(d) {
    if (d.e >= 0 || d.c === 0n) return true;
    return d.c % pow10(-d.e) === 0n;
  }

  function quantize(v, exp, mode) {
    var d = toDec(v);
    var c;
    if (d.e >= exp) c = d.c * pow10(d.e - exp);
    else c = shed(d.s, d.c, exp - d.e, mode, false);
    if (ndigits(c) > PREC) fail("the number is too large or not defined", NUM);
    return new Dec(d.s, c, exp);
  }

  // values.normal: whole numbers plain (exponent 0), others without trailing zeros.
  function normal(d) {
    if (integral(d)) return quantize(d, 0, "half_even");
    var c = d.c, e = d.e;
    while (c % 10n === 0n && e < 0) { c /= 10n; e += 1; }
    return new Dec(d.s, c, e);
  }

  function checkInt(v) {
    if (v > -INT_LIMIT && v < INT_LIMIT) return v;
    return fail("the number is too large", NUM);
  }

  function add(a, b) {
    if (a === null || b === null) return null;
    if (isInt(a) && isInt(b)) return checkInt(a + b);
    return decAdd(a, b);
  }
  function sub(a, b) {
    if (a === null || b === null) return null;
    if (isInt(a) && isInt(b)) return checkInt(a - b);
    return decAdd(a, isInt(b) ? -b : decNeg(b));
  }
  function mul(a, b) {
    if (a === null || b === null) return null;
    if (isInt(a) && isInt(b)) return checkInt(a * b);
    return decMul(a, b);
  }
  function div(a, b) {
    if (a === null || b === null) return null;
    if (isZero(b)) fail("division by zero", DIV0);
    return normal(ctxDivide(a, b));
  }
  function mod(a, b) {
    if (a === null || b === null) return null;
    if (isZero(b)) fail("division by zero", DIV0);
    if (isInt(a) && isInt(b)) {
      var r = a % b;
      if (r !== 0n && (r < 0n) !== (b < 0n)) r += b;
      return r;
    }
    var x = toDec(a), y = toDec(b);
    var al = aligned(x, y);
    var quotient = al[0] / al[1];
    if (ndigits(quotient < 0n ? -quotient : quotient) > PREC) fail("the number is too large or not defined", NUM);
    var rem = al[0] - quotient * al[1];
    var result = context(rem < 0n ? 1 : (rem === 0n ? x.s : 0), rem < 0n ? -rem : rem, al[2]);
    if (result.c !== 0n && (result.s === 1) !== (decCmp(y, 0n) < 0)) result = decAdd(result, y);
    return result;
  }
  function neg(a) {
    if (a === null) return null;
    if (isInt(a)) return -a;
    return context(a.c === 0n ? 0 : (a.s ? 0 : 1), a.c, a.e);
  }
  function money(v, places) {
    if (v === null) return null;
    return quantize(v, -places, "half_up");
  }

  function numberText(v) {
    if (isInt(v)) return v.toString();
    var text = decText(v);
    return text === "-0" || text === "0" ? "0" : text;
  }

  // format(Decimal, "f")
  function decText(d) {
    var digits = d.c.toString();
    var body;
    if (d.e >= 0) body = d.c === 0n ? "0" : digits + "0".repeat(d.e);
    else {
      var places = -d.e;
      if (digits.length <= places) digits = "0".repeat(places - digits.length + 1) + digits;
      body = digits.slice(0, digits.length - places) + "." + digits.slice(digits.length - places);
    }
    return (d.s ? "-" : "") + body;
  }

  // --- dates --------------------------------------------------------------------------------

  function daysFromCivil(y, m, d) {
    y -= m <= 2 ? 1 : 0;
    var era = Math.floor(y / 400);
    var yoe = y - era * 400;
    var doy = Math.floor((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5) + d - 1;
    var doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
    return era * 146097 + doe - 719468;
  }
  function civilFromDays(z) {
    z += 719468;
    var era = Math.floor(z / 146097);
    var doe = z - era * 146097;
    var yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365);
    var y = yoe + era * 400;
    var doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
    var mp = Math.floor((5 * doy + 2) / 153);
    var d = doy - Math.floor((153 * mp + 2) / 5) + 1;
    var m = mp + (mp < 10 ? 3 : -9);
    return [m <= 2 ? y + 1 : y, m, d];
  }
  var MIN_DAY = daysFromCivil(1, 1, 1);
  var MAX_DAY = daysFromCivil(9999, 12, 31);
  var DAY_US = 86400000000n;

  function PDate(days) { this.days = days; }
  function PDateTime(us) { this.us = us; }  // microseconds since 1970-01-01 UTC
  function isDate(v) { return v instanceof PDate; }
  function isDateTime(v) { return v instanceof PDateTime; }

  function makeDate(days, what) {
    if (days < MIN_DAY || days > MAX_DAY) fail(what);
    return new PDate(days);
  }
  function makeDateTime(us, what) {
    if (us < BigInt(MIN_DAY) * DAY_US || us >= BigInt(MAX_DAY + 1) * DAY_US) fail(what);
    return new PDateTime(us);
  }
  function floorDiv(a, b) { var q = a / b; return (a % b !== 0n && (a < 0n) !== (b < 0n)) ? q - 1n : q; }
  // The day a date and time falls on where the instance is (ZONE, set while a formula
  // runs from its calendar), as values.day_of: 01:00 in Shanghai is already tomorrow
  // there. utcDay: the day in UTC, which a date and time is written in as text.
  var ZONE = null;
  function utcDay(v) { return isDate(v) ? v.days : Number(floorDiv(v.us, DAY_US)); }
  function dayOf(v) { return isDate(v) ? v.days : Number(floorDiv(inZone(v.us, ZONE), DAY_US)); }
  function pad(n, w) { var t = String(Math.abs(n)); while (t.length < w) t = "0" + t; return t; }
  function ymd(days) { return civilFromDays(days); }
  function dateText(days) { var p = ymd(days); return pad(p[0], 4) + "-" + pad(p[1], 2) + "-" + pad(p[2], 2); }
  function clock(us) {
    var rest = us - floorDiv(us, DAY_US) * DAY_US;
    var secs = Number(rest / 1000000n);
    return [Math.floor(secs / 3600), Math.floor(secs / 60) % 60, secs % 60, Number(rest % 1000000n)];
  }

  // The same instant on the clocks of an IANA time zone (the instance's, ORDERLOOM_TIME_ZONE),
  // as dates.py reads it with zoneinfo: HOUR, MINUTE and TODAY are the local ones.
  var ZONE_FORMATS = {};
  function inZone(us, zone) {
    if (!zone || zone === "UTC") return us;
    var format = ZONE_FORMATS[zone] || (ZONE_FORMATS[zone] = new Intl.DateTimeFormat("en-US", {
      timeZone: zone, hourCycle: "h23", year: "numeric", month: "numeric", day: "numeric",
      hour: "numeric", minute: "numeric", second: "numeric" }));
    var seconds = floorDiv(us, 1000000n);
    var parts = {};
    format.formatToParts(new Date(Number(seconds) * 1000)).forEach(function (p) { parts[p.type] = p.value; });
    var local = BigInt(daysFromCivil(Number(parts.year), Number(parts.month), Number(parts.day))) * 86400n
      + BigInt(Number(parts.hour) * 3600 + Number(parts.minute) * 60 + Number(parts.second));
    return us + (local - seconds) * 1000000n;
  }

  var ISO = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2})(?::(\d{2})(?::(\d{2})(?:[.,](\d{1,6}))?)?)?)?\s*(Z|[+-]\d{2}(?::?\d{2})?)?$/;

  function parseDateTime(text) {
    var m = ISO.exec(text);
    if (!m) return null;
    var y = +m[1], mo = +m[2], d = +m[3];
    if (mo < 1 || mo > 12 || d < 1 || d > 31) return null;
    var days = daysFromCivil(y, mo, d);
    if (ymd(days)[1] !== mo) return null;
    var h = m[4] ? +m[4] : 0, mi = m[5] ? +m[5] : 0, s = m[6] ? +m[6] : 0;
    if (h > 23 || mi > 59 || s > 59) return null;
    var micro = m[7] ? +(m[7] + "000000").slice(0, 6) : 0;
    var offset = 0;
    if (m[8] && m[8] !== "Z") {
      var sign = m[8][0] === "-" ? -1 : 1;
      var digits = m[8].slice(1).replace(":", "");
      offset = sign * ((+digits.slice(0, 2)) * 60 + (digits.length > 2 ? +digits.slice(2, 4) : 0));
    }
    var us = BigInt(days) * DAY_US + BigInt(((h * 60 + mi - offset) * 60 + s)) * 1000000n + BigInt(micro);
    return new PDateTime(us);
  }

  // --- reading data, as values.py ---------------------------------------------------------

  function kind(v) {
    if (typeof v === "boolean") return "boolean";
    if (isNum(v) || typeof v === "number") return "number";
    if (typeof v === "string") return "text";
    if (isDateTime(v)) return "datetime";
    if (isDate(v)) return "date";
    if (Array.isArray(v)) return "list";
    if (v && typeof v === "object") return "record";
    return typeof v;
  }
  function wrong(name, expected, v) { return fail(name + " should be " + expected + ", got " + kind(v)); }

  function fromFloat(n, name) {
    if (!isFinite(n)) return wrong(name, "a number", n);
    if (Number.isInteger(n) && Math.abs(n) <= Number.MAX_SAFE_INTEGER) return BigInt(n);
    return parseDec(String(n));
  }

  function asRecord(v, name) {
    if (v === null || v === undefined) return {};
    if (typeof v === "object" && !Array.isArray(v) && !isNum(v) && !isDate(v) && !isDateTime(v)) return v;
    return wrong(name || "the data", "a record", v);
  }
  function asNumber(v, name) {
    name = name || "a value";
    if (v === null || v === undefined) return null;
    if (isNum(v)) return v;
    if (typeof v === "number") return fromFloat(v, name);
    if (typeof v === "string") {
      var d = parseDec(v.trim().replace(/,/g, "").replace(/_/g, ""));
      if (d === null || (d.c !== 0n && Math.abs(d.e + ndigits(d.c) - 1) > MAX_EXPONENT) ||
          (d.c === 0n && Math.abs(d.e) > MAX_EXPONENT)) return wrong(name, "a number", v);
      return d;
    }
    return wrong(name, "a number", v);
  }
  function asInteger(v, name) {
    if (v === null || v === undefined) return null;
    if (isInt(v)) return v;
    var n = asNumber(v, name);
    if (isDec(n)) {
      if (!integral(n)) return wrong(name || "a value", "a whole number", v);
      return signed(n) * (n.e >= 0 ? pow10(n.e) : 1n) / (n.e < 0 ? pow10(-n.e) : 1n);
    }
    return n;
  }
  function asText(v, name) {
    if (v === null || v === undefined) return null;
    if (typeof v === "string") return v;
    if (isNum(v)) return toText(v);
    if (typeof v === "number") return toText(fromFloat(v, name || "a value"));
    return wrong(name || "a value", "text", v);
  }
  function asBoolean(v, name) {
    if (v === null || v === undefined) return null;
    if (v === true || v === false) return v;
    if (typeof v === "string" && ["TRUE", "FALSE"].indexOf(v.trim().toUpperCase()) >= 0) {
      return v.trim().toUpperCase() === "TRUE";
    }
    return wrong(name || "a value", "TRUE or FALSE", v);
  }
  function asDateTime(v, name) {
    if (v === null || v === undefined) return null;
    if (isDateTime(v)) return v;
    if (isDate(v)) return new PDateTime(BigInt(v.days) * DAY_US);
    if (v instanceof Date) return new PDateTime(BigInt(v.getTime()) * 1000n);
    if (typeof v === "string") {
      var parsed = parseDateTime(v.trim());
      if (parsed === null) return wrong(name || "a value", "a date and time", v);
      return parsed;
    }
    return wrong(name || "a value", "a date and time", v);
  }
  function asDate(v, name) {
    if (v === null || v === undefined) return null;
    if (isDate(v)) return v;
    if (isDateTime(v)) return new PDate(dayOf(v));
    if (typeof v === "string") {
      var t = v.trim();
      var parsed = /^\d{4}-\d{2}-\d{2}$/.test(t) ? parseDateTime(t) : null;
      if (parsed === null) {
        parsed = parseDateTime(t);
        if (parsed === null) return wrong(name || "a value", "a date", v);
      }
      // A date written as a date is that day; a date and time, the day it falls on here.
      return new PDate(/^\d{4}-\d{2}-\d{2}$/.test(t) ? utcDay(parsed) : dayOf(parsed));
    }
    return wrong(name || "a value", "a date", v);
  }
  function asList(v, name) {
    if (v === null || v === undefined) return [];
    if (Array.isArray(v)) {
      if (v.length > MAX_LIST) fail((name || "a value") + " has more than " + MAX_LIST + " entries");
      return v;
    }
    return wrong(name || "a value", "a list", v);
  }
  function asValue(v, name) {
    if (v === undefined) return null;
    if (typeof v === "number") return fromFloat(v, name);
    if (Array.isArray(v)) return asList(v, name).map(function (x) { return asValue(x, name); });
    return v;
  }

  function converter(t) {
    if (Array.isArray(t)) {
      var element = converter(t[1]);
      return function (v, name) { return asList(v, name).map(function (x) { return element(x, name); }); };
    }
    switch (t) {
      case "integer": return asInteger;
      case "number": case "money": return asNumber;
      case "text": return asText;
      case "boolean": return asBoolean;
      case "date": return asDate;
      case "datetime": return asDateTime;
      case "record": return asRecord;
      default: return asValue;
    }
  }

  // --- text, comparison -------------------------------------------------------------------

  function toText(v) {
    if (v === null || v === undefined) return "";
    if (v === true) return "TRUE";
    if (v === false) return "FALSE";
    if (typeof v === "string") return v;
    if (isNum(v)) return numberText(v);
    if (isDateTime(v)) {
      var c = clock(v.us);
      return dateText(utcDay(v)) + " " + pad(c[0], 2) + ":" + pad(c[1], 2) + ":" + pad(c[2], 2);
    }
    if (isDate(v)) return dateText(v.days);
    if (Array.isArray(v)) return v.map(toText).join(", ");
    return fail("a " + kind(v) + " cannot be shown as text");
  }
  function checkText(t) {
    if (Array.from(t).length > MAX_TEXT) fail("the text would be longer than " + MAX_TEXT + " characters");
    return t;
  }
  function fold(t) { return t.toUpperCase().toLowerCase(); }
  function comparable(v) {
    if (typeof v === "string") return fold(v);
    if (isDate(v)) {
      // Midnight where the instance is, as values.comparable.
      var midnight = BigInt(v.days) * DAY_US;
      return new PDateTime(midnight - (inZone(midnight, ZONE) - midnight));
    }
    return v;
  }
  function codepointCmp(a, b) {
    var x = Array.from(a), y = Array.from(b);
    for (var i = 0; i < Math.min(x.length, y.length); i++) {
      var p = x[i].codePointAt(0), q = y[i].codePointAt(0);
      if (p !== q) return p < q ? -1 : 1;
    }
    return x.length === y.length ? 0 : (x.length < y.length ? -1 : 1);
  }
  // -1, 0, 1, or NaN for values that do not compare (Python would raise).
  function cmp(a, b) {
    if (isNum(a) && isNum(b)) {
      if (isInt(a) && isInt(b)) return a < b ? -1 : (a > b ? 1 : 0);
      return decCmp(a, b);
    }
    if (typeof a === "string" && typeof b === "string") return codepointCmp(a, b);
    if (isDateTime(a) && isDateTime(b)) return a.us < b.us ? -1 : (a.us > b.us ? 1 : 0);
    if (typeof a === "boolean" && typeof b === "boolean") return (a ? 1 : 0) - (b ? 1 : 0);
    if (isDate(a) && isDate(b)) return a.days - b.days;
    return NaN;
  }
  function keysEqual(a, b) {
    var c = cmp(a, b);
    if (!isNaN(c)) return c === 0;
    if (Array.isArray(a) && Array.isArray(b)) {
      return a.length === b.length && a.every(function (x, i) { return keysEqual(x, b[i]); });
    }
    return a === b;
  }
  function equal(a, b) {
    if (a === null || b === null) return false;
    return keysEqual(comparable(a), comparable(b));
  }
  function compare(op, a, b) {
    if (a === null || b === null) return false;
    a = comparable(a); b = comparable(b);
    if (op === "=" || op === "==") return keysEqual(a, b);
    if (op === "!=" || op === "<>") return !keysEqual(a, b);
    var c = cmp(a, b);
    if (isNaN(c)) fail("cannot compare " + kind(a) + " and " + kind(b));
    if (op === "<") return c < 0;
    if (op === "<=") return c <= 0;
    if (op === ">") return c > 0;
    return c >= 0;
  }
  function member(v, values) {
    if (v === null || values === null) return false;
    var key = comparable(v);
    return values.some(function (x) { return x !== null && keysEqual(comparable(x), key); });
  }

  // --- functions ------------------------------------------------------------------------

  function flatten(args, out) {
    out = out || [];
    args.forEach(function (a) {
      if (Array.isArray(a)) flatten(a, out);
      else if (a !== null) out.push(a);
    });
    return out;
  }
  function nulls(fn) {
    return function () {
      for (var i = 0; i < arguments.length; i++) if (arguments[i] === null) return null;
      return fn.apply(null, arguments);
    };
  }
  function whole(v, what) {
    if (isInt(v)) return v;
    if (!integral(v)) fail(what + " must be a whole number, got " + numberText(v));
    return asInteger(v);
  }
  function small(v, what) { return Number(whole(v, what)); }

  function sumValues(args) {
    var total = 0n;
    flatten(args).forEach(function (v) { total = add(total, asNumber(v)); });
    return total;
  }
  function extreme(args, better) {
    var items = flatten(args);
    if (!items.length) return null;
    var best = items[0];
    for (var i = 1; i < items.length; i++) {
      var c = cmp(comparable(items[i]), comparable(best));
      if (isNaN(c)) fail("cannot compare " + kind(items[i]) + " and " + kind(best));
      if (better(c)) best = items[i];
    }
    return best;
  }

  var MODES = { ROUND: "half_up", ROUNDUP: "up", ROUNDDOWN: "down" };

  function rounder(mode) {
    return nulls(function (x, digits) {
      var d = small(digits === undefined ? 0n : digits, "the number of digits");
      if (d < -100 || d > 30) fail("the number of digits must be between -100 and 30");
      if (isInt(x) && d >= 0) return x;
      var result = quantize(x, -d, mode);
      if (d < 0) result = quantize(result, 0, "half_even");
      return isInt(x) ? asInteger(result) : result;
    });
  }

  function stepRound(mode, name) {
    return nulls(function (x, significance) {
      if (significance === undefined) significance = 1n;
      if (isZero(significance)) return isInt(x) ? 0n : new Dec(0, 0n, 0);
      if (cmp(x, 0n) > 0 && cmp(significance, 0n) < 0) {
        fail(name + ": a positive number needs a positive significance");
      }
      var q = ctxDivide(x, significance);
      if (q.e < 0) q = quantize(q, 0, mode);
      var result = decMul(q, significance);
      return isInt(x) && isInt(significance) ? asInteger(result) : result;
    });
  }

  // --- powers, roots and logarithms, as orderloom/dsl/powers.py ------------------------------
  // Worked out in fixed point with WIDE digits (BigInt scaled by 10^WIDE), far more than
  // the 34 a result keeps, then rounded half-even to 34 as the server's correctly rounded
  // results are: both sides give the same digits.

  var WIDE = 120;
  var SCALE = pow10(WIDE);
  var EXP_LIMIT = 2400n;  // exp(2400) is beyond 10^1000, exp(-2400) below 10^-1000
  var LN2 = null, LN10 = null;

  function atanhFixed(z) {
    var z2 = z * z / SCALE, power = z, sum = z, n = 1n;
    while (power !== 0n) {
      power = power * z2 / SCALE;
      n += 2n;
      sum += power / n;
    }
    return sum;
  }
  function logConstants() {
    if (LN2 === null) {
      LN2 = 2n * atanhFixed(SCALE / 3n);  // ln 2 = 2 atanh(1/3)
      LN10 = 3n * LN2 + 2n * atanhFixed(SCALE / 9n);  // ln 10 = 3 ln 2 + ln 1.25
    }
  }
  // ln(d) for d > 0: d = m * 10^p with m in [1, 10), m / 2^j in [0.75, 1.5).
  function lnFixed(d) {
    logConstants();
    var n = ndigits(d.c);
    var m = n - 1 <= WIDE ? d.c * pow10(WIDE - n + 1) : d.c / pow10(n - 1 - WIDE);
    var j = 0n;
    while (m >= SCALE * 3n / 2n) { m = m / 2n; j += 1n; }
    var z = (m - SCALE) * SCALE / (m + SCALE);
    return 2n * atanhFixed(z) + j * LN2 + BigInt(d.e + n - 1) * LN10;
  }
  // exp(t / SCALE) as an unrounded decimal: 2^k * exp(r) with |r| <= ln(2) / 2.
  function expFixed(t) {
    logConstants();
    var k = floorDiv(2n * t + LN2, 2n * LN2);
    var r = t - k * LN2;
    var term = SCALE, sum = SCALE, n = 1n;
    while (term !== 0n) {
      term = term * r / (n * SCALE);
      sum += term;
      n += 1n;
    }
    if (k >= 0n) return new Dec(0, sum * 2n ** k, -WIDE);
    return new Dec(0, sum * 5n ** -k, -WIDE + Number(k));  // / 2^k is * 5^k / 10^k
  }
  function toFixed(v) {
    var d = toDec(v);
    var shift = WIDE + d.e;
    return shift >= 0 ? signed(d) * pow10(shift) : signed(d) / pow10(-shift);
  }
  function fromFixed(f) { return new Dec(f < 0n ? 1 : 0, f < 0n ? -f : f, -WIDE); }
  // powers.py's _finish: too small for the bounds is 0, else 34 digits written as normal().
  function settle(d) {
    if (d.c === 0n || d.e + ndigits(d.c) - 1 < -EMAX) return new Dec(0, 0n, 0);
    return normal(context(d.s, d.c, d.e));
  }
  function positive(x, what) {
    if (cmp(x, 0n) <= 0) fail(what + " must be greater than 0", NUM);
    return toDec(x);
  }
  function isqrt(n) {
    if (n < 2n) return n;
    var x = 1n << BigInt(Math.ceil(n.toString(2).length / 2));
    for (;;) {
      var y = (x + n / x) / 2n;
      if (y >= x) return x;
      x = y;
    }
  }
  function sqrt(x) {
    if (cmp(x, 0n) < 0) fail("SQRT: the number cannot be negative", NUM);
    var d = toDec(x);
    if (d.c === 0n) return new Dec(0, 0n, 0);
    var shift = Math.max(0, 2 * PREC + 4 - ndigits(d.c));
    if ((d.e - shift) % 2 !== 0) shift += 1;
    var wide = d.c * pow10(shift);
    var root = isqrt(wide);
    return settle(context(0, root, (d.e - shift) / 2, root * root !== wide));
  }
  function exp(x) {
    var t = toFixed(x);
    if (t > EXP_LIMIT * SCALE) fail("the number is too large or not defined", NUM);
    if (t < -EXP_LIMIT * SCALE) return new Dec(0, 0n, 0);
    return settle(expFixed(t));
  }
  function log(x, base) {
    var number = positive(x, "LOG: the number");
    var b = positive(base === undefined ? 10n : base, "LOG: the base");
    if (decCmp(b, 1n) === 0) fail("LOG: the base cannot be 1", DIV0);
    return settle(fromFixed(lnFixed(number) * SCALE / lnFixed(b)));
  }
  function power(x, y) {
    var whole = isInt(y) || integral(y);
    if (isZero(x)) {
      if (isZero(y)) fail("POWER: 0 to the power 0 is not defined", NUM);
      if (cmp(y, 0n) < 0) fail("division by zero", DIV0);
      return new Dec(0, 0n, 0);
    }
    var negative = cmp(x, 0n) < 0;
    if (negative && !whole) {
      fail("POWER: a negative number to a fractional power is not a real number", NUM);
    }
    if (whole) {
      var exact = exactPower(toDec(x), asInteger(y));
      if (exact !== null) return exact;
    }
    var ln = lnFixed(toDec(negative ? neg(x) : x));
    var yd = toDec(y);
    var t = yd.e >= 0 ? signed(yd) * pow10(yd.e) * ln : signed(yd) * ln / pow10(-yd.e);
    if (t > EXP_LIMIT * SCALE) fail("the number is too large or not defined", NUM);
    if (t < -EXP_LIMIT * SCALE) return new Dec(0, 0n, 0);
    var result = expFixed(t);
    if (negative && asInteger(y) % 2n !== 0n) result = decNeg(result);
    return settle(result);
  }

  // powers.py's _exact_power: whole powers of at most EXACT_DIGITS digits, worked out exactly.
  var EXACT_DIGITS = 1000;
  function exactPower(d, n) {
    var c = d.c, e = d.e;
    while (c % 10n === 0n) { c /= 10n; e += 1; }
    var size = n < 0n ? -n : n;
    if (BigInt(ndigits(c)) * size > BigInt(EXACT_DIGITS)) return null;
    var exact = new Dec(d.s && size % 2n === 1n ? 1 : 0, c ** size, e * Number(size));
    return settle(n < 0n ? ctxDivide(1n, exact) : exact);
  }

  function floorInteger(x) {
    if (isInt(x)) return x;
    return checkInt(x.e >= 0 ? signed(x) * pow10(x.e) : floorDiv(signed(x), pow10(-x.e)));
  }
  function numbers(args) { return flatten(args).map(function (v) { return asNumber(v); }); }
  // One key per number, whatever its exponent: 2, 2.0 and 2.00 are one value, as in Python.
  function numberKey(v) {
    var d = toDec(v), c = d.c, e = d.e;
    if (c === 0n) return "0";
    while (c % 10n === 0n) { c /= 10n; e += 1; }
    return (d.s ? "-" : "") + c + "e" + e;
  }
  function median(args) {
    var items = numbers(args).sort(cmp);
    if (!items.length) fail("MEDIAN: there are no numbers", NUM);
    var middle = Math.floor(items.length / 2);
    if (items.length % 2) return items[middle];
    return div(add(items[middle - 1], items[middle]), 2n);
  }
  function mode(args) {
    var items = numbers(args), counts = new Map(), most = 0;
    items.forEach(function (v) {
      var key = numberKey(v), n = (counts.get(key) || 0) + 1;
      counts.set(key, n);
      if (n > most) most = n;
    });
    if (most < 2) fail("MODE: no value occurs more than once", NA);
    return items.find(function (v) { return counts.get(numberKey(v)) === most; });
  }

  function countArg(n, name) {
    var count = small(n, name + ": the number of characters");
    if (count < 0) fail(name + ": the number of characters cannot be negative");
    return count;
  }
  function chars(t) { return Array.from(t); }

  // --- SUBSTITUTE, REPLACE, FIND, SEARCH, TEXTJOIN, VALUE, PROPER, REPT: orderloom/dsl/texts.py
  // Positions and lengths count code points, so these work on arrays of characters.

  var MAX_FIND_TEXT = 255;
  function room(length, name) {
    if (length > MAX_TEXT) fail(name + ": the text would be longer than " + MAX_TEXT + " characters");
  }
  function substitute(t, old, repl, instance) {
    var n;
    if (instance !== undefined) {
      n = small(instance, "SUBSTITUTE: the instance");
      if (n < 1) fail("SUBSTITUTE: the instance must be 1 or more");
    }
    if (!old) return t;
    var pieces = t.split(old);
    if (instance === undefined) {
      var size = function (x) { return chars(x).length; };
      room(size(t) + (pieces.length - 1) * (size(repl) - size(old)), "SUBSTITUTE");
      return pieces.join(repl);
    }
    if (n > pieces.length - 1) return t;
    return checkText(pieces.slice(0, n).join(old) + repl + pieces.slice(n).join(old));
  }
  function replaceText(t, start, count, repl) {
    var first = small(start, "REPLACE: the start");
    if (first < 1) fail("REPLACE: the start must be 1 or more");
    var n = small(count, "REPLACE: the number of characters");
    if (n < 0) fail("REPLACE: the number of characters cannot be negative");
    var c = chars(t);
    return checkText(c.slice(0, first - 1).join("") + repl + c.slice(first - 1 + n).join(""));
  }
  function startAt(name, within, start) {
    var first = small(start === undefined ? 1n : start, name + ": the start");
    if (first < 1 || first > within.length) {
      fail(name + ": the start must be between 1 and the length of the text");
    }
    return first - 1;
  }
  function findText(name, part) {
    if (chars(part).length > MAX_FIND_TEXT) {
      fail(name + ": the text to find may have at most " + MAX_FIND_TEXT + " characters");
    }
  }
  function notFound(name, part) { return fail(name + ': "' + part + '" is not in the text'); }
  var ANY = {};  // a `?` in a SEARCH pattern
  // The first position at or after `start` where the segment's characters are, or -1.
  function findSegment(text, segment, start) {
    for (var i = start; i + segment.length <= text.length; i++) {
      var j = 0;
      while (j < segment.length && (segment[j] === ANY || segment[j] === text[i + j])) j++;
      if (j === segment.length) return i;
    }
    return -1;
  }
  function find(part, within, start) {
    findText("FIND", part);
    var w = chars(within);
    var at = findSegment(w, chars(part), startAt("FIND", w, start));
    if (at < 0) notFound("FIND", part);
    return BigInt(at + 1);
  }
  function foldChar(ch) {
    var f = ch.toUpperCase().toLowerCase();
    return chars(f).length === 1 ? f : ch;
  }
  function segments(pattern) {
    var p = chars(pattern), out = [[]];
    for (var i = 0; i < p.length; i++) {
      var ch = p[i];
      if (ch === "~" && i + 1 < p.length && "?*~".indexOf(p[i + 1]) >= 0) {
        out[out.length - 1].push(foldChar(p[i + 1]));
        i += 1;
      } else if (ch === "*") out.push([]);
      else out[out.length - 1].push(ch === "?" ? ANY : foldChar(ch));
    }
    return out;
  }
  function search(part, within, start) {
    findText("SEARCH", part);
    var text = chars(within).map(foldChar);
    var first = startAt("SEARCH", text, start);
    var parts = segments(part);
    var at = findSegment(text, parts[0], first);
    if (at < 0) notFound("SEARCH", part);
    var position = at + parts[0].length;
    for (var i = 1; i < parts.length; i++) {
      var found = findSegment(text, parts[i], position);
      if (found < 0) notFound("SEARCH", part);
      position = found + parts[i].length;
    }
    return BigInt(at + 1);
  }
  function textjoin(args) {
    var sep = args[0] || "", skip = args[1] === true, parts = [];
    (function collect(values) {
      values.forEach(function (v) {
        if (Array.isArray(v)) return collect(v);
        var t = toText(v);
        if (t || !skip) parts.push(t);
      });
    })(args.slice(2));
    var size = parts.reduce(function (n, t) { return n + chars(t).length; }, 0);
    room(size + chars(sep).length * Math.max(parts.length - 1, 0), "TEXTJOIN");
    return parts.join(sep);
  }
  // As texts.py: matched on the text without its outer blanks (cut by a loop, as a
  // pattern anchored at the end would try every start), with each inner run of blanks
  // after the part it belongs to, so a long run ending in something else fails fast.
  var NUMBER_TEXT = /^(?:([+-])[ \t\r\n]*)?(?:[$¥￥€£][ \t\r\n]*)?((?:[0-9][0-9,]*(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?)(?:[ \t\r\n]*(%))?$/;
  function blank(c) { return c === " " || c === "\t" || c === "\r" || c === "\n"; }
  function withoutOuterBlanks(t) {
    var start = 0, end = t.length;
    while (start < end && blank(t[start])) start++;
    while (end > start && blank(t[end - 1])) end--;
    return t.slice(start, end);
  }
  function value(t) {
    var m = NUMBER_TEXT.exec(withoutOuterBlanks(t));
    if (!m) fail('VALUE: "' + t + '" is not a number');
    var number = parseDec((m[1] || "") + m[2].replace(/,/g, ""));
    if (number.c === 0n) return new Dec(0, 0n, 0);
    if (Math.abs(number.e + ndigits(number.c) - 1) > MAX_EXPONENT) {
      fail('VALUE: "' + t + '" is not a number');
    }
    var result = m[3] ? div(number, 100n) : number;
    return normal(context(result.s, result.c, result.e));
  }
  var LETTER = /^\p{L}$/u;
  function proper(t) {
    var afterLetter = false;
    return checkText(chars(t).map(function (ch) {
      if (!LETTER.test(ch)) { afterLetter = false; return ch; }
      var out = afterLetter ? ch.toLowerCase() : ch.toUpperCase();
      afterLetter = true;
      return out;
    }).join(""));
  }
  function rept(t, times) {
    var n = whole(times, "REPT: the number of times");
    if (n < 0n) fail("REPT: the number of times cannot be negative");
    if (!t) return "";
    room(chars(t).length * Number(n), "REPT");
    return t.repeat(Number(n));
  }

  var NUMBER_FORMAT = /^(#,##)?0(?:\.(0+))?(%)?$/;
  var DATE_TOKENS = /yyyy|yy|mm|dd|hh|ss|m|d/gi;

  function formatValue(value, fmt) {
    if (isNum(value)) {
      var m = NUMBER_FORMAT.exec(fmt.trim());
      if (!m) fail("TEXT: unknown number format '" + fmt + "'");
      var number = decMul(toDec(value), m[3] ? 100n : 1n);
      var places = (m[2] || "").length;
      var text = decText(quantize(number, -places, "half_up"));
      if (m[1]) {
        var negative = text[0] === "-";
        var body = negative ? text.slice(1) : text;
        var parts = body.split(".");
        parts[0] = parts[0].replace(/\B(?=(\d{3})+(?!\d))/g, ",");
        text = (negative ? "-" : "") + parts.join(".");
      }
      return text + (m[3] ? "%" : "");
    }
    if (isDate(value) || isDateTime(value)) return formatDate(value, fmt);
    return fail("TEXT: a format applies to numbers and dates, got '" + toText(value) + "'");
  }
  function formatDate(value, fmt) {
    var p = ymd(utcDay(value));  // written in UTC, as the server's TEXT does
    var c = isDateTime(value) ? clock(value.us) : [0, 0, 0, 0];
    var out = "";
    var pos = 0;
    var afterHour = false;
    var match;
    DATE_TOKENS.lastIndex = 0;
    while ((match = DATE_TOKENS.exec(fmt)) !== null) {
      out += fmt.slice(pos, match.index);
      var token = match[0].toLowerCase();
      var rest = fmt.slice(match.index + match[0].length).toLowerCase().replace(/^:+/, "");
      var minutes = (token === "mm" || token === "m") && (afterHour || rest.indexOf("ss") === 0);
      out += {
        yyyy: pad(p[0], 4), yy: pad(p[0] % 100, 2),
        mm: minutes ? pad(c[1], 2) : pad(p[1], 2), m: minutes ? String(c[1]) : String(p[1]),
        dd: pad(p[2], 2), d: String(p[2]), hh: pad(c[0], 2), ss: pad(c[2], 2)
      }[token];
      afterHour = token === "hh";
      pos = match.index + match[0].length;
    }
    return out + fmt.slice(pos);
  }

  function dateFrom(year, month, day) {
    var y = small(year, "DATE: each part"), m = small(month, "DATE: each part");
    var d = small(day, "DATE: each part");
    y += Math.floor((m - 1) / 12);
    m = ((m - 1) % 12 + 12) % 12 + 1;
    if (y < 1 || y > 9999) fail("DATE: the date is outside the years 1 to 9999");
    return makeDate(daysFromCivil(y, m, 1) + d - 1, "DATE: the date is outside the years 1 to 9999");
  }

  function weekday(v, type) {
    var iso = ((dayOf(v) % 7) + 7 + 3) % 7 + 1;  // 1970-01-01 was a Thursday (4)
    var k = small(type === undefined ? 1n : type, "WEEKDAY: the type");
    if (k === 1) return BigInt(iso % 7 + 1);
    if (k === 2) return BigInt(iso);
    if (k === 3) return BigInt(iso - 1);
    return fail("WEEKDAY: the type must be 1, 2 or 3");
  }

  // --- EDATE, EOMONTH, DATEDIF, WEEKNUM, ISOWEEKNUM, HOUR, MINUTE: orderloom/dsl/dates.py ----

  function monthLength(y, m) {
    return m === 12 ? 31 : daysFromCivil(y, m + 1, 1) - daysFromCivil(y, m, 1);
  }
  function monthIndex(v, months, name) {
    var p = ymd(dayOf(v));
    var index = p[0] * 12 + p[1] - 1 + small(months, name + ": the number of months");
    var year = Math.floor(index / 12);
    if (year < 1 || year > 9999) fail(name + ": the date is outside the years 1 to 9999", NUM);
    return [year, index - year * 12 + 1, p[2]];
  }
  function edate(v, months) {
    var m = monthIndex(v, months, "EDATE");
    return new PDate(daysFromCivil(m[0], m[1], Math.min(m[2], monthLength(m[0], m[1]))));
  }
  function eomonth(v, months) {
    var m = monthIndex(v, months, "EOMONTH");
    return new PDate(daysFromCivil(m[0], m[1], monthLength(m[0], m[1])));
  }
  function datedif(start, end, unit) {
    var a = dayOf(start), b = dayOf(end);
    if (a > b) fail("DATEDIF: the start is after the end", NUM);
    var pa = ymd(a), pb = ymd(b);
    var kind = unit.trim().toUpperCase();
    var months = (pb[0] - pa[0]) * 12 + pb[1] - pa[1] - (pb[2] < pa[2] ? 1 : 0);
    if (kind === "Y") return BigInt(Math.floor(months / 12));
    if (kind === "M") return BigInt(months);
    if (kind === "D") return BigInt(b - a);
    if (kind === "YM") return BigInt(months % 12);
    if (kind === "MD") {
      if (pb[2] >= pa[2]) return BigInt(pb[2] - pa[2]);
      var before = ymd(daysFromCivil(pb[0], pb[1], 1) - 1);
      return BigInt(before[2] - pa[2] + pb[2]);
    }
    if (kind === "YD") {
      var moved = daysFromCivil(pb[0], pa[1], 1) + pa[2] - 1;
      if (moved > b) {
        if (pb[0] === 1) fail("DATEDIF: the date is outside the years 1 to 9999", NUM);
        moved = daysFromCivil(pb[0] - 1, pa[1], 1) + pa[2] - 1;
      }
      return BigInt(b - moved);
    }
    return fail('DATEDIF: the unit must be "Y", "M", "D", "MD", "YM" or "YD"', NUM);
  }
  var WEEK_STARTS = { 1: 6, 2: 0, 11: 0, 12: 1, 13: 2, 14: 3, 15: 4, 16: 5, 17: 6 };
  function mondayBased(days) { return ((days % 7) + 7 + 3) % 7; }  // Monday 0 .. Sunday 6
  function isoweeknum(v) {
    var days = dayOf(v);
    var thursday = days - mondayBased(days) + 3;  // the ISO week's year is its Thursday's
    var january = daysFromCivil(ymd(thursday)[0], 1, 1);
    return BigInt(Math.floor((thursday - january) / 7) + 1);
  }
  function weeknum(v, type) {
    var k = small(type === undefined ? 1n : type, "WEEKNUM: the type");
    if (k === 21) return isoweeknum(v);
    if (!Object.prototype.hasOwnProperty.call(WEEK_STARTS, k)) {
      fail("WEEKNUM: the type must be 1, 2, 11 to 17 or 21", NUM);
    }
    var days = dayOf(v);
    var january = daysFromCivil(ymd(days)[0], 1, 1);
    var before = ((mondayBased(january) - WEEK_STARTS[k]) % 7 + 7) % 7;
    return BigInt(Math.floor((days - january + before) / 7) + 1);
  }

  // --- SUMPRODUCT, PERCENTILE, LARGE, SMALL, COUNTA, COUNTBLANK, QUOTIENT, MROUND, ISEVEN:
  // orderloom/dsl/statistics.py
  function cells(args, out) {
    out = out || [];
    args.forEach(function (a) { if (Array.isArray(a)) cells(a, out); else out.push(a); });
    return out;
  }
  function sumproduct(lists) {
    var columns = lists.map(function (v) { return cells([v]); });
    var size = columns[0].length;
    if (columns.some(function (c) { return c.length !== size; })) {
      fail("SUMPRODUCT: the lists must have the same number of values");
    }
    var total = 0n;
    for (var i = 0; i < size; i++) {
      var product = 1n;
      for (var j = 0; j < columns.length; j++) {
        var cell = columns[j][i];
        product = mul(product, cell === null ? 0n : asNumber(cell));
      }
      total = add(total, product);
    }
    return total;
  }
  function sortedValues(values) {
    return flatten([values]).sort(function (a, b) { return cmp(comparable(a), comparable(b)); });
  }
  function pick(name, values, k, largest) {
    var items = sortedValues(values);
    var n = small(k, name + ": the position");
    if (n < 1 || n > items.length) {
      fail(name + ": the position must be between 1 and the number of values", NUM);
    }
    return largest ? items[items.length - n] : items[n - 1];
  }
  function percentile(values, k) {
    if (cmp(k, 0n) < 0 || cmp(k, 1n) > 0) fail("PERCENTILE: k must be between 0 and 1", NUM);
    var items = numbers([values]).sort(cmp);
    if (!items.length) fail("PERCENTILE: there are no numbers", NUM);
    var rank = mul(k, BigInt(items.length - 1));
    var below = Number(floorInteger(rank));
    var fraction = sub(rank, BigInt(below));
    if (isZero(fraction)) return items[below];
    return add(items[below], mul(fraction, sub(items[below + 1], items[below])));
  }
  function truncated(q) {
    return q.e >= 0 ? signed(q) * pow10(q.e) : signed(q) / pow10(-q.e);
  }
  function quotient(n, d) {
    if (isZero(d)) fail("division by zero", DIV0);
    return checkInt(truncated(ctxDivide(n, d)));
  }
  function mround(x, multiple) {
    if (isZero(multiple)) return isInt(x) ? 0n : new Dec(0, 0n, 0);
    var sx = cmp(x, 0n), sm = cmp(multiple, 0n);
    if ((sx > 0 && sm < 0) || (sx < 0 && sm > 0)) {
      fail("MROUND: the number and the multiple must have the same sign", NUM);
    }
    var q = ctxDivide(x, multiple);
    if (q.e < 0) q = quantize(q, 0, "half_up");
    var result = decMul(q, multiple);
    return isInt(x) && isInt(multiple) ? checkInt(asInteger(result)) : result;
  }
  function isEven(x) { return (isInt(x) ? x : truncated(x)) % 2n === 0n; }

  // --- LENB, LEFTB, SPLIT, UNICHAR, UNICODE: orderloom/dsl/texts.py ---------------------------
  var WIDE_RANGES = [
    [0x1100, 0x115F], [0x2E80, 0x303E], [0x3041, 0x33FF], [0x3400, 0x4DBF],
    [0x4E00, 0x9FFF], [0xA000, 0xA4CF], [0xAC00, 0xD7A3], [0xF900, 0xFAFF],
    [0xFE30, 0xFE4F], [0xFF00, 0xFF60], [0xFFE0, 0xFFE6], [0x20000, 0x2FFFD],
    [0x30000, 0x3FFFD]
  ];
  function width(ch) {
    var code = ch.codePointAt(0);
    return WIDE_RANGES.some(function (r) { return r[0] <= code && code <= r[1]; }) ? 2 : 1;
  }
  function lenb(t) { return BigInt(chars(t).reduce(function (n, ch) { return n + width(ch); }, 0)); }
  function leftb(t, count) {
    var room = small(count === undefined ? 1n : count, "LEFTB: the number of bytes");
    if (room < 0) fail("LEFTB: the number of bytes cannot be negative");
    var c = chars(t), used = 0;
    for (var i = 0; i < c.length; i++) {
      used += width(c[i]);
      if (used > room) return c.slice(0, i).join("");
    }
    return t;
  }
  function split(t, delimiter, each, removeEmpty) {
    if (!delimiter) fail("SPLIT: the delimiter cannot be empty");
    var pieces;
    if (each !== false) {
      var at = new Set(chars(delimiter));
      pieces = [""];
      chars(t).forEach(function (ch) {
        if (at.has(ch)) pieces.push("");
        else pieces[pieces.length - 1] += ch;
      });
    } else {
      pieces = t.split(delimiter);
    }
    if (removeEmpty !== false) pieces = pieces.filter(function (p) { return p; });
    if (pieces.length > MAX_LIST) fail("SPLIT: the text gives more than " + MAX_LIST + " pieces");
    return pieces;
  }
  function unichar(code) {
    var n = small(code, "UNICHAR: the number");
    if (n < 1 || n > 0x10FFFF) fail("UNICHAR: the number must be between 1 and 1114111");
    if (n >= 0xD800 && n <= 0xDFFF) fail("UNICHAR: the number is a surrogate, not a character", NA);
    return String.fromCodePoint(n);
  }
  function unicode(t) {
    if (!t) fail("UNICODE: the text is empty");
    return BigInt(t.codePointAt(0));
  }

  // --- REGEXMATCH, REGEXEXTRACT, REGEXREPLACE: orderloom/dsl/regex.py ------------------------
  // re2js gives positions in UTF-16 units; the text is cut with the same units here.
  function compiledFor(name, t, pattern) {
    if (chars(t).length > MAX_REGEX_INPUT) {
      fail(name + " works on texts of at most " + MAX_REGEX_INPUT + " characters");
    }
    var re = compilePattern(pattern);
    if (typeof re === "string") fail(name + ": " + re);
    return re;
  }
  function regexExtract(t, pattern) {
    var re = compiledFor("REGEXEXTRACT", t, pattern);
    var m = re.matcher(t);
    if (!m.find(0)) fail('REGEXEXTRACT: the pattern "' + pattern + '" does not match the text', NA);
    return m.group(re.groupCount() ? 1 : 0) || "";
  }
  var GROUP_REFERENCE = /\$([0-9])/g;
  function regexReplace(t, pattern, replacement) {
    var re = compiledFor("REGEXREPLACE", t, pattern);
    var groups = re.groupCount(), ref;
    GROUP_REFERENCE.lastIndex = 0;
    while ((ref = GROUP_REFERENCE.exec(replacement)) !== null) {
      if (+ref[1] > groups) fail("REGEXREPLACE: the pattern has no group $" + ref[1]);
    }
    var m = re.matcher(t), out = [], size = 0, last = 0, at = 0;
    while (at <= t.length && m.find(at)) {
      var piece = t.slice(last, m.start()) + replacement.replace(GROUP_REFERENCE, function (_, n) {
        return m.group(+n) || "";
      });
      size += chars(piece).length;
      if (size > MAX_TEXT) {
        fail("REGEXREPLACE: the text would be longer than " + MAX_TEXT + " characters");
      }
      out.push(piece);
      last = m.end();
      if (m.end() === m.start()) {
        var code = t.codePointAt(last);
        at = last + (code !== undefined && code > 0xFFFF ? 2 : 1);
      } else {
        at = last;
      }
    }
    out.push(t.slice(last));
    return checkText(out.join(""));
  }

  // --- TIME, DATEVALUE: orderloom/dsl/dates.py -------------------------------------------------
  function timeOfDay(h, mi, s) {
    var parts = [h, mi, s].map(function (x) { return whole(x, "TIME: each part"); });
    if (parts.some(function (p) { return p > 32767n; })) fail("TIME: each part must be at most 32767", NUM);
    var total = parts[0] * 3600n + parts[1] * 60n + parts[2];
    if (total < 0n) fail("TIME: the time is before 0:00", NUM);
    return div(total % 86400n, 86400n);
  }
  var DATE_TEXT = /^[ \t]*([0-9]{4})[ \t]*(?:([-/.])[ \t]*([0-9]{1,2})[ \t]*\2[ \t]*([0-9]{1,2})|年[ \t]*([0-9]{1,2})[ \t]*月[ \t]*([0-9]{1,2})[ \t]*日)(?:[T ][0-9:.]*)?[ \t]*$/;
  function datevalue(t) {
    var m = DATE_TEXT.exec(t);
    if (m) {
      var y = +m[1], mo = +(m[3] || m[5]), d = +(m[4] || m[6]);
      if (y >= 1 && mo >= 1 && mo <= 12 && d >= 1 && d <= monthLength(y, mo)) {
        return new PDate(daysFromCivil(y, mo, d));
      }
    }
    return fail('DATEVALUE: "' + t + '" is not a date such as 2024-05-03');
  }

  // --- WORKDAY, NETWORKDAYS and their .INTL forms: orderloom/dsl/workdays.py -------------------
  var SATURDAY_SUNDAY = [false, false, false, false, false, true, true];
  function works(cal, day) {
    if (cal.workdays.has(day)) return true;
    if (cal.holidays.has(day)) return false;
    return !cal.weekend[mondayBased(day)];
  }
  function weekendOf(code, name) {
    if (typeof code === "string") {
      if (!/^[01]{7}$/.test(code) || code === "1111111") {
        fail(name + ': the weekend must be seven 0s and 1s, Monday first, not all 1, such as "0000011"');
      }
      return code.split("").map(function (ch) { return ch === "1"; });
    }
    var k = small(code, name + ": the weekend"), days;
    if (k >= 1 && k <= 7) days = [(k + 4) % 7, (k + 5) % 7];
    else if (k >= 11 && k <= 17) days = [((k - 12) % 7 + 7) % 7];
    else fail(name + ': the weekend must be 1 to 7, 11 to 17 or a text such as "0000011"', NUM);
    return [0, 1, 2, 3, 4, 5, 6].map(function (i) { return days.indexOf(i) >= 0; });
  }
  function calendarFor(weekend, holidays) {
    var off = new Set();
    flatten([holidays === undefined ? [] : holidays]).forEach(function (v) { off.add(dayOf(v)); });
    return { weekend: weekend, holidays: off, workdays: new Set() };
  }
  function workedBetween(cal, first, last) {
    var span = last - first + 1, weeks = Math.floor(span / 7);
    var perWeek = 7 - cal.weekend.filter(Boolean).length;
    var count = weeks * perWeek;
    for (var d = first + weeks * 7; d <= last; d++) if (!cal.weekend[mondayBased(d)]) count += 1;
    cal.holidays.forEach(function (h) {
      if (first <= h && h <= last && !cal.weekend[mondayBased(h)] && !cal.workdays.has(h)) count -= 1;
    });
    cal.workdays.forEach(function (w) {
      if (first <= w && w <= last && cal.weekend[mondayBased(w)]) count += 1;
    });
    return count;
  }
  function networkdays(start, end, cal) {
    var a = dayOf(start), b = dayOf(end);
    return BigInt(a <= b ? workedBetween(cal, a, b) : -workedBetween(cal, b, a));
  }
  function workday(start, days, cal, name) {
    var n = small(isInt(days) ? days : truncated(days), name + ": the number of days");
    var day = dayOf(start), step = n > 0 ? 1 : -1, left = Math.abs(n);
    var perWeek = 7 - cal.weekend.filter(Boolean).length;
    var outside = name + ": the date is outside the years 1 to 9999";
    var weeks = Math.floor(Math.max(left - 1 - cal.workdays.size, 0) / perWeek);
    if (weeks) {
      var target = day + step * weeks * 7;
      var low = Math.min(day + step, target), high = Math.max(day + step, target);
      if (low < MIN_DAY || high > MAX_DAY) fail(outside, NUM);
      left -= workedBetween(cal, low, high);
      day = target;
    }
    while (left > 0) {
      day += step;
      if (day < MIN_DAY || day > MAX_DAY) fail(outside, NUM);
      if (works(cal, day)) left -= 1;
    }
    return new PDate(day);
  }
  // The instance's calendar as the page embeds it (GET /api/v1/business-calendar).
  var WEEKDAY_NAMES = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"];
  function instanceCalendar(given) {
    if (!given) return null;
    var days = function (list) {
      return new Set((list || []).map(function (d) { return dayOf(asDate(d.date, "a calendar date")); }));
    };
    return { weekend: WEEKDAY_NAMES.map(function (d) { return (given.weekend || []).indexOf(d) >= 0; }),
             holidays: days(given.holidays), workdays: days(given.workdays),
             zone: given.time_zone || null };
  }
  // functions.py's _days_of: holidays named in the call (even blank) count alone, as in
  // Excel; without them the instance's calendar counts, its weekend for the plain forms.
  function daysOf(given, week, holidays) {
    if (holidays !== undefined) return calendarFor(week || SATURDAY_SUNDAY, holidays === null ? undefined : holidays);
    if (!given) return calendarFor(week || SATURDAY_SUNDAY, undefined);
    return week ? { weekend: week, holidays: given.holidays, workdays: given.workdays } : given;
  }
  function workdayCall(name, intl) {
    return function (given, start, days, weekend, holidays) {
      if (!intl) { holidays = weekend; weekend = undefined; }
      if (start === null || days === null) return null;
      var week = intl ? weekendOf(weekend === undefined || weekend === null ? 1n : weekend, name) : null;
      return workday(start, days, daysOf(given, week, holidays), name);
    };
  }
  function networkdaysCall(name, intl) {
    return function (given, start, end, weekend, holidays) {
      if (!intl) { holidays = weekend; weekend = undefined; }
      if (start === null || end === null) return null;
      var week = intl ? weekendOf(weekend === undefined || weekend === null ? 1n : weekend, name) : null;
      return networkdays(start, end, daysOf(given, week, holidays));
    };
  }
  var CALENDAR_FUNCTIONS = { "HOUR": true, "MINUTE": true, "WORKDAY": true, "WORKDAY.INTL": true, "NETWORKDAYS": true,
                             "NETWORKDAYS.INTL": true };

  // lookups.py, line by line.
  function xlookup(value, keys, results, ifNotFound) {
    if (keys.length !== results.length) {
      fail("XLOOKUP: the look-up list has " + keys.length + " entries and the result list " +
        results.length + "; they must be as long as each other", VALUE);
    }
    if (value !== null) {
      var key = comparable(value);
      for (var i = 0; i < keys.length; i++) {
        if (keys[i] !== null && keysEqual(comparable(keys[i]), key)) return results[i];
      }
    }
    if (ifNotFound !== undefined) return ifNotFound;
    if (value === null) fail("XLOOKUP: a blank value is never found", NA);
    return fail('XLOOKUP: "' + toText(value) + '" is not in the look-up list', NA);
  }

  var LIBRARY = {
    ISBLANK: function (v) { return v === null || v === "" || (Array.isArray(v) && v.length === 0); },
    SUM: function () { return sumValues(Array.from(arguments)); },
    MIN: function () { return extreme(Array.from(arguments), function (c) { return c < 0; }); },
    MAX: function () { return extreme(Array.from(arguments), function (c) { return c > 0; }); },
    AVERAGE: function () {
      var items = flatten(Array.from(arguments));
      return items.length ? div(sumValues(items), BigInt(items.length)) : null;
    },
    COUNT: function () { return BigInt(flatten(Array.from(arguments)).length); },
    ROUND: rounder("half_up"),
    ROUNDUP: rounder("up"),
    ROUNDDOWN: rounder("down"),
    ABS: nulls(function (x) {
      return isInt(x) ? (x < 0n ? -x : x) : context(0, x.c, x.e);
    }),
    CEILING: stepRound("ceiling", "CEILING"),
    FLOOR: stepRound("floor", "FLOOR"),
    MOD: nulls(mod),
    INT: nulls(floorInteger),
    TRUNC: rounder("down"),
    SIGN: nulls(function (x) {
      if (isInt(x)) return x > 0n ? 1n : (x < 0n ? -1n : 0n);
      return x.c === 0n ? 0n : (x.s ? -1n : 1n);
    }),
    POWER: nulls(power),
    SQRT: nulls(sqrt),
    EXP: nulls(exp),
    LN: nulls(function (x) { return settle(fromFixed(lnFixed(positive(x, "LN: the number")))); }),
    LOG: nulls(log),
    PRODUCT: function () {
      var items = flatten(Array.from(arguments));
      if (!items.length) return 0n;
      return items.reduce(function (total, v) { return mul(total, asNumber(v)); }, 1n);
    },
    MEDIAN: function () { return median(Array.from(arguments)); },
    MODE: function () { return mode(Array.from(arguments)); },
    LEN: nulls(function (t) { return BigInt(chars(t).length); }),
    UPPER: nulls(function (t) { return checkText(t.toUpperCase()); }),
    LOWER: nulls(function (t) { return checkText(t.toLowerCase()); }),
    TRIM: nulls(function (t) {
      return t.replace(/^[\s\u001c-\u001f\u0085]+|[\s\u001c-\u001f\u0085]+$/g, "")
        .split(" ").filter(function (p) { return p; }).join(" ");
    }),
    LEFT: nulls(function (t, n) {
      return chars(t).slice(0, countArg(n === undefined ? 1n : n, "LEFT")).join("");
    }),
    RIGHT: nulls(function (t, n) {
      var count = countArg(n === undefined ? 1n : n, "RIGHT");
      return count ? chars(t).slice(-count).join("") : "";
    }),
    MID: nulls(function (t, start, n) {
      var first = small(start, "MID: the start");
      if (first < 1) fail("MID: the start must be 1 or more");
      var count = countArg(n, "MID");
      return chars(t).slice(first - 1, first - 1 + count).join("");
    }),
    CONCAT: function () { return checkText(Array.from(arguments).map(toText).join("")); },
    CONTAINS: nulls(function (t, part) { return fold(t).indexOf(fold(part)) >= 0; }),
    STARTSWITH: nulls(function (t, part) { return fold(t).indexOf(fold(part)) === 0; }),
    ENDSWITH: nulls(function (t, part) {
      var a = fold(t), b = fold(part);
      return a.length >= b.length && a.slice(a.length - b.length) === b;
    }),
    REGEXMATCH: nulls(function (t, pattern) { return compiledFor("REGEXMATCH", t, pattern).test(t); }),
    TEXT: function (v, fmt) {
      if (v === null) return "";
      if (fmt === undefined || fmt === null) return checkText(toText(v));
      return checkText(formatValue(v, fmt));
    },
    SUBSTITUTE: nulls(substitute),
    REPLACE: nulls(replaceText),
    FIND: nulls(find),
    SEARCH: nulls(search),
    TEXTJOIN: function () { return textjoin(Array.from(arguments)); },
    VALUE: nulls(value),
    PROPER: nulls(proper),
    REPT: nulls(rept),
    DATE: nulls(dateFrom),
    DATETIME: nulls(function (y, mo, d, h, mi, s) {
      var base = dateFrom(y, mo, d);
      var parts = [h, mi, s].map(function (x) { return whole(x === undefined ? 0n : x, "DATETIME: each part"); });
      var us = BigInt(base.days) * DAY_US + ((parts[0] * 60n + parts[1]) * 60n + parts[2]) * 1000000n;
      return makeDateTime(us, "DATETIME: the time is outside the years 1 to 9999");
    }),
    YEAR: nulls(function (v) { return BigInt(ymd(dayOf(v))[0]); }),
    MONTH: nulls(function (v) { return BigInt(ymd(dayOf(v))[1]); }),
    DAY: nulls(function (v) { return BigInt(ymd(dayOf(v))[2]); }),
    WEEKDAY: nulls(weekday),
    DAYS: nulls(function (end, start) { return BigInt(dayOf(end) - dayOf(start)); }),
    ADDDAYS: nulls(function (v, n) {
      var outside = "ADDDAYS: the date is outside the years 1 to 9999";
      if (isDateTime(v)) {
        // int(Decimal): the microseconds truncated toward zero, as the server does.
        var shift = signed(quantize(decMul(toDec(n), 86400000000n), 0, "down"));
        return makeDateTime(v.us + shift, outside);
      }
      return makeDate(v.days + small(n, "ADDDAYS: the number of days"), outside);
    }),
    EDATE: nulls(edate),
    EOMONTH: nulls(eomonth),
    DATEDIF: nulls(datedif),
    WEEKNUM: nulls(weeknum),
    ISOWEEKNUM: nulls(isoweeknum),
    HOUR: function (cal, v) {
      return v === null ? null : BigInt(isDateTime(v) ? clock(inZone(v.us, cal && cal.zone))[0] : 0);
    },
    MINUTE: function (cal, v) {
      return v === null ? null : BigInt(isDateTime(v) ? clock(inZone(v.us, cal && cal.zone))[1] : 0);
    },
    HOURS: nulls(function (end, start) {
      return div(asDateTime(end).us - asDateTime(start).us, 3600000000n);
    }),
    SUMPRODUCT: function () { return sumproduct(Array.from(arguments)); },
    PERCENTILE: nulls(percentile),
    LARGE: nulls(function (v, k) { return pick("LARGE", v, k, true); }),
    SMALL: nulls(function (v, k) { return pick("SMALL", v, k, false); }),
    COUNTA: function () { return BigInt(flatten(Array.from(arguments)).length); },
    COUNTBLANK: function () {
      return BigInt(cells(Array.from(arguments)).filter(function (v) { return v === null || v === ""; }).length);
    },
    QUOTIENT: nulls(quotient),
    MROUND: nulls(mround),
    ISEVEN: nulls(isEven),
    ISODD: nulls(function (x) { return !isEven(x); }),
    EXACT: nulls(function (a, b) { return a === b; }),
    LENB: nulls(lenb),
    LEFTB: nulls(leftb),
    SPLIT: nulls(split),
    UNICHAR: nulls(unichar),
    UNICODE: nulls(unicode),
    REGEXEXTRACT: nulls(regexExtract),
    REGEXREPLACE: nulls(regexReplace),
    TIME: nulls(timeOfDay),
    DATEVALUE: nulls(datevalue),
    WORKDAY: workdayCall("WORKDAY", false),
    "WORKDAY.INTL": workdayCall("WORKDAY.INTL", true),
    NETWORKDAYS: networkdaysCall("NETWORKDAYS", false),
    "NETWORKDAYS.INTL": networkdaysCall("NETWORKDAYS.INTL", true),
    XLOOKUP: xlookup,
    // The divisions of China it splits by stay on the server (functions.py SERVER_ONLY).
    ADDRESSPART: function () {
      return fail("ADDRESSPART is worked out by the server; its value shows once the order is saved", null);
    },
    // The catalogue and the customers stay on the server too.
    PRODUCTINFO: function () {
      return fail("PRODUCTINFO is worked out by the server; its value shows once the order is saved", null);
    },
    CUSTOMERINFO: function () {
      return fail("CUSTOMERINFO is worked out by the server; its value shows once the order is saved", null);
    },
    // The price lists it reads stay on the server too.
    LISTPRICE: function () {
      return fail("LISTPRICE is worked out by the server; its value shows once the order is saved", null);
    }
  };

  // --- evaluation ---------------------------------------------------------------------------

  function literal(v) {
    if (v !== null && typeof v === "object") {
      if ("int" in v) return BigInt(v.int);
      if ("dec" in v) return parseDec(v.dec);
    }
    return v;
  }

  function truth(v) { return v === true; }

  function Run(now, calendar) {
    this.nowValue = now;
    this.calendar = instanceCalendar(calendar);
    this.at = null;
    this.steps = 0;
  }
  // Lines visited, as the server counts them: no formula keeps a page busy for long.
  Run.prototype.tick = function (n) {
    this.steps += n;
    if (this.steps > MAX_STEPS) fail("the formula needs more than " + MAX_STEPS + " steps", null);
  };
  Run.prototype.now = function () {
    if (!(this.nowValue instanceof PDateTime)) {
      this.nowValue = asDateTime(this.nowValue === undefined || this.nowValue === null
        ? new Date() : this.nowValue, "now");
    }
    return this.nowValue;
  };

  function label(steps, upto) {
    return steps.slice(0, upto + 1).map(function (s) { return s.name; }).join(".");
  }

  function pluck(run, lines, name, convert, lab) {
    run.tick(lines.length);
    var out = [];
    lines.forEach(function (line) {
      var value = convert(nullish(asRecord(line, "a line")[name]), lab);
      if (Array.isArray(value)) out.push.apply(out, value); else out.push(value);
      if (out.length > MAX_LIST) fail(lab + " has more than " + MAX_LIST + " entries");
    });
    return out;
  }
  // A value the form could not work out (a computed field that reads PRODUCTINFO) makes
  // what reads it fail the same way, still marked as the server's to work out.
  function nullish(v) {
    if (v instanceof Fault) throw v;
    return v === undefined ? null : v;
  }

  function evalNode(node, run, scopes) {
    run.at = node.at;
    switch (node.k) {
      case "lit": return literal(node.v);
      case "list": return node.items.map(function (i) { return evalNode(i, run, scopes); });
      case "path": return evalPath(node, run, scopes);
      case "unary": {
        if (node.op === "NOT") return !truth(evalNode(node.x, run, scopes));
        var x = evalNode(node.x, run, scopes);
        run.at = node.at;
        return node.op === "+" ? x : neg(x);
      }
      case "bin": return evalBinary(node, run, scopes);
      case "call": return evalCall(node, run, scopes);
    }
    return fail("a formula node of an unknown kind: " + node.k);
  }

  function evalPath(node, run, scopes) {
    // A look-up table's rows come with the formula, not with the order data.
    var value = node.table ? node.table : (node.level ? scopes[scopes.length - node.level] : scopes[0]);
    var steps = node.steps;
    for (var i = 0; i < steps.length; i++) {
      var step = steps[i];
      var convert = converter(step.type);
      var lab = label(steps, i);
      if (step.lines) value = pluck(run, value, step.name, convert, lab);
      else value = convert(nullish(value[step.name]), lab);
    }
    return value;
  }

  var ARITHMETIC = { "+": add, "-": sub, "*": mul, "/": div, "%": mod };

  function evalBinary(node, run, scopes) {
    var op = node.op;
    if (op === "AND") return truth(evalNode(node.l, run, scopes)) && truth(evalNode(node.r, run, scopes));
    if (op === "OR") return truth(evalNode(node.l, run, scopes)) || truth(evalNode(node.r, run, scopes));
    var left = evalNode(node.l, run, scopes);
    var right = evalNode(node.r, run, scopes);
    run.at = node.at;
    if (ARITHMETIC[op]) return ARITHMETIC[op](left, right);
    if (op === "&") return checkText(toText(left) + toText(right));
    if (op === "IN") return member(left, right);
    if (op === "NOT IN") return left !== null && right !== null && !member(left, right);
    return compare(op, left, right);
  }

  function evalCall(node, run, scopes) {
    var name = node.name;
    var args = node.args;
    var ev = function (a) { return evalNode(a, run, scopes); };
    var i;
    switch (name) {
      case "IF":
        if (truth(ev(args[0]))) return ev(args[1]);
        return args.length === 3 ? ev(args[2]) : null;
      case "IFS":
        for (i = 0; i < args.length; i += 2) if (truth(ev(args[i]))) return ev(args[i + 1]);
        return null;
      case "SWITCH": {
        var rest = args.slice(1);
        var fallback = rest.length % 2 ? rest.pop() : null;
        if (rest.length) {
          var subject = ev(args[0]);
          for (i = 0; i < rest.length; i += 2) if (equal(subject, ev(rest[i]))) return ev(rest[i + 1]);
        }
        return fallback ? ev(fallback) : null;
      }
      case "AND":
        for (i = 0; i < args.length; i++) if (!truth(ev(args[i]))) return false;
        return true;
      case "OR":
        for (i = 0; i < args.length; i++) if (truth(ev(args[i]))) return true;
        return false;
      case "NOT": return !truth(ev(args[0]));
      case "COALESCE":
        for (i = 0; i < args.length - 1; i++) { var v = ev(args[i]); if (v !== null) return v; }
        return ev(args[args.length - 1]);
      case "TODAY": return new PDate(utcDay(new PDateTime(inZone(run.now().us, run.calendar && run.calendar.zone))));
      case "NOW": return run.now();
      case "SUMIF": case "COUNTIF": case "ANY": case "ALL":
        return perLine(name, node, run, scopes);
      case "SUMIFS": case "COUNTIFS": case "AVERAGEIF": case "AVERAGEIFS": case "MAXIFS": case "MINIFS":
        return perLineIfs(name, node, run, scopes);
      case "IFERROR": case "IFNA": {
        var caught = attempt(args[0], run, scopes, name === "IFNA" ? NA : null);
        return caught === FAILED ? ev(args[1]) : caught;
      }
      case "ISERROR": return attempt(args[0], run, scopes, null) === FAILED;
      case "ISNUMBER": case "ISTEXT": case "ISDATE": {
        var value = attempt(args[0], run, scopes, null);
        return value !== FAILED && IS_A[name](value);
      }
    }
    if (SERVER_ONLY[name]) { run.at = node.at; unknownHere(name); }
    var fn = LIBRARY[name];
    var values = args.map(ev);
    run.at = node.at;
    if (!fn) fail("the function " + name + " cannot be worked out in the browser; the server will", null);
    if (CALENDAR_FUNCTIONS[name]) values.unshift(run.calendar);
    return fn.apply(null, values);
  }

  // The value of `node`, or FAILED when it is an error value `code` (any, when null) catches.
  var FAILED = {};
  function attempt(node, run, scopes, code) {
    try {
      return evalNode(node, run, scopes);
    } catch (error) {
      if (error instanceof Fault && error.code !== null && (code === null || error.code === code)) {
        return FAILED;
      }
      throw error;
    }
  }
  var IS_A = {
    ISNUMBER: isNum,
    ISTEXT: function (v) { return typeof v === "string"; },
    ISDATE: function (v) { return isDate(v) || isDateTime(v); }
  };

  function perLine(name, node, run, scopes) {
    var lines = evalNode(node.args[0], run, scopes);
    run.tick(lines.length);
    var cond = node.args[1];
    var total = 0n, count = 0n;
    for (var i = 0; i < lines.length; i++) {
      var record = asRecord(lines[i], "a line");
      var inner = scopes.concat([record]);
      var ok = truth(evalNode(cond, run, inner));
      if (name === "ANY" && ok) return true;
      if (name === "ALL" && !ok) return false;
      if (ok && name === "COUNTIF") count += 1n;
      if (ok && name === "SUMIF") {
        var v = evalNode(node.args[2], run, inner);
        if (v !== null) total = add(total, v);
      }
    }
    if (name === "ANY") return false;
    if (name === "ALL") return true;
    return name === "COUNTIF" ? count : total;
  }

  // The -IF and -IFS forms, as functions.py: the value of each line where every condition
  // is TRUE (blanks left out), or the line itself for COUNTIFS.
  function perLineIfs(name, node, run, scopes) {
    var args = node.args;
    var lines = evalNode(args[0], run, scopes);
    run.tick(lines.length);
    var valueNode = null, conds;
    if (name === "COUNTIFS") conds = args.slice(1);
    else if (name === "AVERAGEIF") { conds = [args[1]]; valueNode = args[2]; }
    else { valueNode = args[1]; conds = args.slice(2); }
    var items = [];
    lines.forEach(function (line) {
      var inner = scopes.concat([asRecord(line, "a line")]);
      var ok = conds.every(function (c) { return truth(evalNode(c, run, inner)); });
      if (!ok) return;
      if (valueNode === null) { items.push(inner[inner.length - 1]); return; }
      var v = evalNode(valueNode, run, inner);
      if (v !== null) items.push(v);
    });
    switch (name) {
      case "COUNTIFS": return BigInt(items.length);
      case "SUMIFS": return items.reduce(function (total, v) { return add(total, v); }, 0n);
      case "MAXIFS": return items.length ? extreme(items, function (c) { return c > 0; }) : 0n;
      case "MINIFS": return items.length ? extreme(items, function (c) { return c < 0; }) : 0n;
    }
    if (!items.length) fail(name + ": no line meets the conditions", DIV0);
    return div(sumValues(items), BigInt(items.length));
  }

  function evaluate(compiled, values, options) {
    var run = new Run(options && options.now, options && options.calendar);
    var outer = ZONE;
    ZONE = (run.calendar && run.calendar.zone) || null;
    try {
      var data = asRecord(values, "the data");
      var result = evalNode(compiled.ast, run, [data]);
      if (compiled.money_places !== null && compiled.money_places !== undefined) {
        result = money(result, compiled.money_places);
      }
      return result;
    } catch (error) {
      if (error instanceof Fault) {
        var fault = new Fault(error.message, run.at, error.code);
        fault.server = error.server;
        return fault;
      }
      if (error instanceof RangeError) {
        return new Fault("the formula is too complex to evaluate", run.at, null);
      }
      throw error;
    } finally {
      ZONE = outer;
    }
  }

  function toJSON(v) {
    if (v instanceof Fault) return { error: "formula failed at " + v.line + ":" + v.column + ": " + v.message };
    if (v === null || v === undefined || typeof v === "boolean" || typeof v === "string") return nullish(v);
    if (isInt(v)) return Number.isSafeInteger(Number(v)) ? Number(v) : v.toString();
    if (isDec(v)) return decText(v);
    if (isDateTime(v)) {
      var c = clock(v.us);
      return dateText(utcDay(v)) + "T" + pad(c[0], 2) + ":" + pad(c[1], 2) + ":" + pad(c[2], 2) +
        (c[3] ? "." + pad(c[3], 6) : "") + "+00:00";
    }
    if (isDate(v)) return dateText(v.days);
    if (Array.isArray(v)) return v.map(toJSON);
    var out = {};
    Object.keys(v).forEach(function (k) { out[k] = toJSON(v[k]); });
    return out;
  }

  var Formula = {
    evaluate: evaluate,
    toJSON: toJSON,
    toText: function (v) { return v instanceof Fault ? "" : toText(v); },
    isFault: function (v) { return v instanceof Fault; },
    // The server-only function a value waits for (PRODUCTINFO, ...), or null.
    serverOnly: function (v) { return v instanceof Fault ? v.server : null; },
    Fault: Fault,
    FUNCTIONS: Object.keys(LIBRARY).concat(
      ["IF", "IFS", "SWITCH", "AND", "OR", "NOT", "COALESCE", "TODAY", "NOW", "SUMIF", "COUNTIF", "ANY", "ALL",
       "SUMIFS", "COUNTIFS", "AVERAGEIF", "AVERAGEIFS", "MAXIFS", "MINIFS",
       "IFERROR", "IFNA", "ISERROR", "ISNUMBER", "ISTEXT", "ISDATE"]
    ).sort()
  };

  root.Formula = Formula;
  if (typeof module !== "undefined" && module.exports) module.exports = Formula;
})(typeof globalThis !== "undefined" ? globalThis : this);
