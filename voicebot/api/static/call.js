// The browser leg: microphone → WebRTC → the gateway's call pipeline → bot audio back.
// State for people and for tests lives on <body>: data-state, data-call-id, data-bot-energy.
"use strict";
const $ = (id) => document.getElementById(id);
let pc = null, dc = null, statsTimer = null, mic = null;

function setState(state, text) {
  document.body.dataset.state = state;
  $("status").textContent = text;
  const live = state === "calling" || state === "connected";
  $("call").disabled = live;
  $("hangup").disabled = !live;
}

async function loadDialplans() {
  const res = await fetch("/api/webrtc/dialplans");
  const { dialplans } = await res.json();
  for (const p of dialplans) {
    const opt = document.createElement("option");
    opt.value = p.name;
    opt.textContent = p.kommune ? `${p.kommune} (${p.name})` : `Fælles nummer (${p.name})`;
    $("dialplan").append(opt);
  }
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
  $("info").textContent = "";
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

function onMessage(msg) {
  if (msg.type === "connected") setState("connected", "Forbundet – tal bare");
  else if (msg.type === "transfer") {
    setState("transferred", "Du stilles om til en medarbejder");
    $("info").textContent = Object.entries(msg.context || {})
      .map(([k, v]) => `${k}: ${Array.isArray(v) ? v.join(", ") : v}`).join("\n");
  } else if (msg.type === "hangup") end(document.body.dataset.state === "transferred" ? "transferred" : "ended", "Samtalen er slut");
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

function hangup() {
  if (dc && dc.readyState === "open") dc.send(JSON.stringify({ type: "hangup" }));
  else if (document.body.dataset.callId) fetch(`/api/webrtc/calls/${document.body.dataset.callId}`, { method: "DELETE" });
  end("ended", "Du har lagt på");
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

for (const d of "123456789*0#") {
  const b = document.createElement("button");
  b.type = "button";
  b.textContent = d;
  b.addEventListener("click", () => sendDigit(d));
  $("keypad").append(b);
}
document.addEventListener("keydown", (e) => { if ("0123456789*#".includes(e.key) && e.key.length === 1) sendDigit(e.key); });
$("call").addEventListener("click", call);
$("hangup").addEventListener("click", hangup);
loadDialplans().catch((err) => setState("error", `Fejl: ${err.message || err}`));
