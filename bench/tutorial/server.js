// deno-fmt-ignore-file
// deno-lint-ignore-file
// The tutorial's signaling server (shared/seed/webrtc_tutorial.md, "1. Server and socket.io
// setup"), as written. The only change: the port comes from PORT (default 3000, the tutorial's)
// so the benchmark can pick a free one, and the chosen port is printed.
const express = require("express")
const app = express()
const path = require("path")
const server = require("http").createServer(app)
const io = require("socket.io")(server)

app.set("view engine","ejs")
app.use(express.static(path.join(__dirname,"public")))


io.on("connection",function(socket){
    socket.on("signalingMessage",function(message){
        socket.broadcast.emit("signalingMessage",message)
    })
})

app.get("/",function(req,res){
    res.render("index")
})

server.listen(Number(process.env.PORT ?? 3000), process.env.HOST, function () {
    console.log("Tutorial listening on http://localhost:" + server.address().port + "/")
})
