// The browser leg: microphone → WebRTC → the gateway's call pipeline → bot audio back.
// The data channel "control" carries DTMF and hang-up from the page, and connected / caption /
// transferring / transfer / transfer_failed / callback / hangup from the gateway.
// State for people and for tests lives on <body>: data-state (idle, calling, connected,
// transferring, bridged, no_agent, transferred, ended, error), data-call-id, data-bot-energy.
"use strict";
const $ = (id) => document.getElementById(id);
let pc = null, dc = null, statsTimer = null, mic = null, plans = [], hours = null;

function setState(state, text) {
  document.body.dataset.state = state;
  $("status").textContent = text;
  const live = ["calling", "connected", "transferring", "no_agent", "bridged"].includes(state);
  $("call").disabled = live;
  $("hangup").disabled = !live;
  $("dialplan").disabled = live;
}

function plan() {
  return plans.find((p) => p.name === $("dialplan").value) || {};
}

function showPrivacy() {
  $("privacy-text").textContent = plan().privacy || "";
}

async function loadDialplans() {
  const res = await fetch("/api/webrtc/dialplans");
  ({ dialplans: plans } = await res.json());
  for (const p of plans) {
    const opt = document.createElement("option");
    opt.value = p.name;
    opt.textContent = p.label;
    $("dialplan").append(opt);
  }
  showPrivacy();
}

function caption(who, text) {
  const li = document.createElement("li");
  li.className = who;
  const b = document.createElement("b");
  b.textContent = who === "bot" ? "Kommunen" : "Du";
  li.append(b, document.createTextNode(text));
  $("captions").append(li);
  li.scrollIntoView({ block: "nearest" });
}

function gatheringDone(conn, ms) {
  if (conn.iceGatheringState === "complete") return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => { if (conn.iceGatheringState === "complete") resolve(); };
    conn.addEventListener("icegatheringstatechange", done);
    setTimeout(resolve, ms);
  });
}

async function call() {
  setState("calling", "Ringer op …");
  $("captions").replaceChildren();
  $("end").hidden = true;
  $("callback").hidden = true;
  $("callback-result").textContent = "";
  try {
    mic = await navigator.mediaDevices.getUserMedia({ audio: true });
    pc = new RTCPeerConnection({ iceServers: [] });
    mic.getTracks().forEach((t) => pc.addTrack(t, mic));
    dc = pc.createDataChannel("control");
    dc.onmessage = (e) => onMessage(JSON.parse(e.data));
    pc.ontrack = (e) => { $("remote").srcObject = e.streams[0] || new MediaStream([e.track]); };
    pc.onconnectionstatechange = () => {
      if (pc && pc.connectionState === "failed") end("error", "Forbindelsen mislykkedes");
    };
    await pc.setLocalDescription(await pc.createOffer());
    await gatheringDone(pc, 3000);
    const res = await fetch("/api/webrtc/offer", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ sdp: pc.localDescription.sdp, type: "offer", dialplan: $("dialplan").value }),
    });
    if (!res.ok) throw new Error((await res.json()).detail || res.statusText);
    const answer = await res.json();
    document.body.dataset.callId = answer.call_id;
    await pc.setRemoteDescription({ type: answer.type, sdp: answer.sdp });
    statsTimer = setInterval(pollStats, 250);
  } catch (err) {
    end("error", `Fejl: ${err.message || err}`);
  }
}

function endScreen(kind, title, text, withCallback) {
  const box = $("end");
  box.dataset.kind = kind;
  $("end-title").textContent = title;
  $("end-text").textContent = text;
  $("end-hours").textContent = hours ? `Borgerservice har åbent ${hours}.` : "";
  $("callback").hidden = !withCallback;
  box.hidden = false;
  document.body.dataset.endKind = kind;
  box.focus();
}

function onMessage(msg) {
  if (msg.type === "connected") {
    hours = msg.hours || null;
    setState("connected", "Forbundet – tal bare");
  } else if (msg.type === "caption") caption(msg.who, msg.text);
  else if (msg.type === "transferring") setState("transferring", "Vi prøver at finde en medarbejder …");
  else if (msg.type === "transfer" && msg.answered) {
    setState("bridged", "Du er stillet videre");
    endScreen("transferred", "Du er stillet videre", "En medarbejder har taget samtalen.", false);
  } else if (msg.type === "transfer_failed") {
    setState("no_agent", "Ingen medarbejder kunne tage samtalen");
    endScreen("no_agent", "Ingen medarbejder kunne tage samtalen lige nu",
      "Skriv dit telefonnummer, så ringer en medarbejder dig op.", true);
  } else if (msg.type === "callback") {
    $("callback-result").textContent = msg.ok
      ? "Tak. Vi ringer dig op, så snart en medarbejder kan."
      : "Det nummer kan vi ikke bruge. Skriv et dansk telefonnummer med 8 cifre.";
    document.body.dataset.callback = msg.ok ? "ok" : "rejected";
    if (msg.ok) {
      $("callback-number").disabled = true;
      $("callback-send").disabled = true;
      hangup(true);
      setState("ended", "Tak – vi ringer dig op");
    }
  } else if (msg.type === "hangup") {
    const state = document.body.dataset.state;
    if (["ended", "error", "idle"].includes(state)) return;  // the page hung up first
    if (state === "bridged") end("transferred", "Samtalen med medarbejderen er slut");
    else if (state === "no_agent") end("ended", "Samtalen er slut");
    else {
      end("ended", "Samtalen er slut");
      endScreen("ended", "Samtalen er slut", "Tak fordi du ringede. Du kan ringe igen når som helst.", false);
    }
  }
}

async function pollStats() {
  if (!pc) return;
  const stats = await pc.getStats();
  stats.forEach((s) => {
    if (s.type === "inbound-rtp" && s.kind === "audio") {
      document.body.dataset.botEnergy = (s.totalAudioEnergy || 0).toFixed(6);
      document.body.dataset.botLevel = (s.audioLevel || 0).toFixed(4);
      document.body.dataset.botPackets = s.packetsReceived || 0;
      $("level").style.width = `${Math.min(100, Math.round((s.audioLevel || 0) * 300))}%`;
    }
  });
}

function hangup(keepScreen) {
  if (dc && dc.readyState === "open") dc.send(JSON.stringify({ type: "hangup" }));
  else if (document.body.dataset.callId) fetch(`/api/webrtc/calls/${document.body.dataset.callId}`, { method: "DELETE" });
  end("ended", "Du har lagt på");
  if (keepScreen !== true && $("end").hidden) endScreen("ended", "Du har lagt på", "Du kan ringe igen når som helst.", false);
}

function end(state, text) {
  clearInterval(statsTimer);
  if (pc) setTimeout((conn) => conn.close(), 300, pc);
  if (mic) mic.getTracks().forEach((t) => t.stop());
  pc = dc = mic = null;
  setState(state, text);
}

function sendDigit(digit) {
  if (dc && dc.readyState === "open") dc.send(JSON.stringify({ type: "dtmf", digit }));
}

function sendCallback(e) {
  e.preventDefault();
  const number = $("callback-number").value;
  if (dc && dc.readyState === "open") dc.send(JSON.stringify({ type: "callback", number }));
  else $("callback-result").textContent = "Forbindelsen er lukket. Ring op igen for at bestille et opkald.";
}

for (const d of "123456789*0#") {
  const b = document.createElement("button");
  b.type = "button";
  b.textContent = d;
  b.setAttribute("aria-label", d === "0" ? "Tast 0: medarbejder" : `Tast ${d === "*" ? "stjerne" : d === "#" ? "firkant" : d}`);
  b.addEventListener("click", () => sendDigit(d));
  $("keypad").append(b);
}
document.addEventListener("keydown", (e) => {
  if (e.target instanceof HTMLInputElement || e.target instanceof HTMLSelectElement) return;
  if ("0123456789*#".includes(e.key) && e.key.length === 1) sendDigit(e.key);
});
$("call").addEventListener("click", call);
$("hangup").addEventListener("click", hangup);
$("dialplan").addEventListener("change", showPrivacy);
$("callback").addEventListener("submit", sendCallback);
loadDialplans().catch((err) => setState("error", `Fejl: ${err.message || err}`));
