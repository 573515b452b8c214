import { createSocket, type Socket } from 'node:dgram';
import { once } from 'node:events';

/**
 * The smallest SIP server that passes an OPTIONS probe: answers every request
 * with 200 OK, copying Via, From, To, Call-ID and CSeq. For tests whose
 * subject is not SIP (election, membership) but whose sidecars must be ready.
 */
export class SipResponder {
  readonly #socket: Socket = createSocket('udp4');
  port = 0;
  answered = 0;

  async start(host = '127.0.0.1', port = 0): Promise<number> {
    this.#socket.on('message', (msg, peer) => {
      const text = msg.toString();
      if (!/^[A-Z]+ \S+ SIP\/2\.0\r\n/.test(text)) return;
      const copy = text.split('\r\n').filter((l) => /^(Via|v|From|f|To|t|Call-ID|i|CSeq):/i.test(l));
      const reply = ['SIP/2.0 200 OK', ...copy, 'Content-Length: 0', '', ''].join('\r\n');
      this.answered++;
      this.#socket.send(reply, peer.port, peer.address);
    });
    this.#socket.bind(port, host);
    await once(this.#socket, 'listening');
    this.port = this.#socket.address().port;
    return this.port;
  }

  stop(): void {
    this.#socket.close();
  }
}
