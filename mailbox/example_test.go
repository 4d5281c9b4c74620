package mailbox_test

import (
	"context"
	"fmt"
	"log"
	"os"
	"os/signal"

	"github.com/acctsetup/acctsetup/mailbox"
)

var cfg = mailbox.Config{
	Host:     "imap.example.com",
	TLS:      mailbox.TLSImplicit,
	Username: "integrations@example.com",
	Folders:  []string{"INBOX"},
}

// A one-off scan of each folder, resuming where the last one stopped.
func ExampleClient_Scan() {
	ctx := context.Background()
	c, err := mailbox.Dial(ctx, cfg, os.Getenv("IMAP_PASSWORD"),
		mailbox.WithProgress(func(folder string, done, total int) {
			fmt.Fprintf(os.Stderr, "\r%s: %d/%d", folder, done, total)
		}))
	if err != nil {
		log.Fatal(err)
	}
	defer c.Close()

	for _, folder := range cfg.Folders {
		cp := mailbox.Checkpoint{Folder: folder} // load the saved one instead
		cp, stats, err := c.Scan(ctx, cp, mailbox.Terms{From: []string{"xero.com", "intuit.com"}}, func(m mailbox.Message) error {
			fmt.Println(m.MessageID, m.From, m.Subject)
			return nil // record the message; an error stops the scan before it
		})
		// Save cp even when err is set: it covers what was handled.
		fmt.Println(cp, stats, err)
	}
}

// Watching until SIGINT, with status lines on stderr.
func ExampleWatcher() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()

	w := &mailbox.Watcher{
		Config: cfg,
		Secret: func(context.Context) (string, error) { return os.Getenv("IMAP_PASSWORD"), nil },
		Terms:  mailbox.Terms{From: []string{"xero.com", "intuit.com"}},
		Handle: func(m mailbox.Message) error {
			fmt.Println(m.MessageID, m.From, m.Subject)
			return nil
		},
		Save: func(cp mailbox.Checkpoint) error {
			return nil // store cp, to pass it to the next Watch
		},
		Options: []mailbox.Option{mailbox.WithEvents(func(e mailbox.Event) {
			fmt.Fprintln(os.Stderr, e) // "INBOX: watching (idle)", "INBOX: reconnecting in 1.4s: ..."
		})},
	}
	if err := w.Watch(ctx, nil); err != nil {
		log.Fatal(err)
	}
}
