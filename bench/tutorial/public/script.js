// deno-fmt-ignore-file
// deno-lint-ignore-file
// The tutorial's client (shared/seed/webrtc_tutorial.md, "Setup For FrontEnd"), its snippets in
// the document's order, run by every page at load. Two changes, both needed for it to run at all:
// `socket` is created (the document uses it without defining it), and the remote stream is called
// `remoteStream` where the document declares it but then writes `remote` (a ReferenceError that
// would stop the page before it ever sent an offer). The public STUN server stays, as written.
const socket = io()

let localStream;          // To hold the local media stream (audio/video)
let remoteStream;         // To hold the remote media stream (audio/video)
let peerConnection;       // To manage the WebRTC peer-to-peer connection
let stunServer = {
    iceServers: [{ urls: "stun:stun.l.google.com:19302" }]
}

const init = async () => {
    localStream = await navigator.mediaDevices.getUserMedia({
        audio: true,
        video: true
    })

    peerConnection = new RTCPeerConnection(stunServer)

    peerConnection.onicecandidate = event => event.candidate && socket.emit("signalingMessage", { type: "candidate", candidate: event.candidate })

    localStream.getTracks().forEach(function (track) {
        peerConnection.addTrack(track, localStream)
    })

    document.querySelector("#localVideo").srcObject = localStream

    remoteStream = new MediaStream()

    document.querySelector("#remoteVideo").srcObject = remoteStream

    peerConnection.ontrack = event => event.streams[0].getTracks().forEach(track => remoteStream.addTrack(track))

    var offer = await peerConnection.createOffer()
    await peerConnection.setLocalDescription(offer)
    socket.emit("signalingMessage", { type: "offer", offer })
}

socket.on("signalingMessage", async function (message) {
    let { type, candidate, offer, answer } = message

    if (type === "offer") {
        await peerConnection.setRemoteDescription(offer)
        let answer = await peerConnection.createAnswer()
        await peerConnection.setLocalDescription(answer)
        socket.emit("signalingMessage", { type: "answer", answer })
    }
    if (type === "answer") {
        if (!peerConnection.currentRemoteDescription) {
            peerConnection.setRemoteDescription(answer)
        }
    }

    if (type === "candidate" && peerConnection) {
        peerConnection.addIceCandidate(candidate)
    }
})

init()
