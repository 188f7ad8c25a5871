// deno-fmt-ignore-file
// deno-lint-ignore-file
// The tutorial's client exactly as the document writes it, `remote` included (it declares
// `remoteStream` but displays and fills `remote`, which is never defined). Only `socket` is added,
// which the document uses without creating. The benchmark serves this in place of script.js to
// show what the document's code does as written: it throws at load, before it ever offers.
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

    document.querySelector("#remoteVideo").srcObject = remote

    peerConnection.ontrack = event => event.streams[0].getTracks().forEach(track => remote.addTrack(track))

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
