;;; emacs-e2e.el --- Emacs + eglot against `awaitlens lsp --stdio`  -*- lexical-binding: t -*-
;;
;; Run as `emacs --batch -l emacs-e2e.el`. Inputs come from the environment (as for the Neovim
;; script): AWAITLENS_CMD (JSON array), AWAITLENS_ROOT (scratch crate, edited), AWAITLENS_OUT
;; (JSON report), AWAITLENS_WAIT (seconds per wait). What eglot and flymake hold is written out;
;; the vitest side asserts on it.
;;
;; Batch Emacs never goes idle, so idle timers (eglot's didChange timer, flymake's start timer)
;; never fire: the script calls what those timers would, and says so where it does.

(require 'json)
(require 'cl-lib)
(package-initialize)
(require 'eglot)
(require 'flymake)

(defvar awaitlens-report (list (cons 'steps nil)))
(defvar awaitlens-out (getenv "AWAITLENS_OUT"))
(defvar awaitlens-root (file-name-as-directory (getenv "AWAITLENS_ROOT")))
(defvar awaitlens-wait (string-to-number (or (getenv "AWAITLENS_WAIT") "20")))
(defvar awaitlens-sent nil "Methods eglot sent, in order (requests and notifications).")
(defvar awaitlens-action-ranges nil "The ranges of textDocument/codeAction requests.")

(defun awaitlens-put (key value)
  (setf (alist-get key awaitlens-report) value)
  (awaitlens-flush))

(defun awaitlens-flush ()
  (with-temp-file awaitlens-out
    (let ((json-encoding-pretty-print nil))
      (insert (json-encode awaitlens-report)))))

(defun awaitlens-step (name)
  (setf (alist-get 'steps awaitlens-report) (vconcat (alist-get 'steps awaitlens-report) (list name)))
  (awaitlens-put 'step name))

(defun awaitlens-wait-for (what pred)
  "Process events until PRED holds; fail naming WHAT after `awaitlens-wait' seconds."
  (let ((deadline (+ (float-time) awaitlens-wait)))
    (while (not (funcall pred))
      (when (> (float-time) deadline) (error "timed out waiting for %s" what))
      (accept-process-output nil 0.02))))

;; Emacs 28 has no Rust mode built in and the test should not need one from ELPA.
(unless (fboundp 'rust-mode)
  (define-derived-mode rust-mode prog-mode "Rust"))

;; The scratch crate has no VCS: tell project.el where it is.
(add-hook 'project-find-functions (lambda (_dir) (cons 'transient awaitlens-root)))
(setq eglot-server-programs
      (list (cons 'rust-mode (append (json-parse-string (getenv "AWAITLENS_CMD") :array-type 'list) nil))))
(setq eglot-autoshutdown nil
      eglot-sync-connect awaitlens-wait)

(advice-add 'jsonrpc-connection-send :before
            (cl-function (lambda (_conn &key method params &allow-other-keys)
                           (when method
                             (push (string-remove-prefix ":" (format "%s" method)) awaitlens-sent)
                             (when (equal (format "%s" method) ":textDocument/codeAction")
                               (push (plist-get params :range) awaitlens-action-ranges))))))

(defun awaitlens-pos (point)
  "1-based line and column (bytes = chars in these ASCII sources) of POINT."
  (save-excursion
    (goto-char point)
    (list (line-number-at-pos) (1+ (current-column)))))

(defun awaitlens-diags ()
  "What flymake shows in the current buffer, sorted by position."
  (let ((ds (sort (flymake-diagnostics) (lambda (a b) (< (flymake-diagnostic-beg a) (flymake-diagnostic-beg b))))))
    (vconcat
     (mapcar (lambda (d)
               (let ((lsp (cdr (assoc 'eglot-lsp-diag (flymake-diagnostic-data d)))))
                 `((start . ,(vconcat (awaitlens-pos (flymake-diagnostic-beg d))))
                   (end . ,(vconcat (awaitlens-pos (flymake-diagnostic-end d))))
                   (type . ,(symbol-name (flymake-diagnostic-type d)))
                   (code . ,(plist-get lsp :code))
                   (text . ,(flymake-diagnostic-text d)))))
             ds))))

(defun awaitlens-has (code &optional line)
  (cl-some (lambda (d) (and (equal (alist-get 'code d) code)
                            (or (null line) (= line (aref (alist-get 'start d) 0)))))
           (awaitlens-diags)))

(defun awaitlens-refresh ()
  "What flymake's idle timer would do after a change: send it and restart the backends."
  (eglot--signal-textDocument/didChange)
  (flymake-start nil t))

(defun awaitlens-action-summary (a)
  `((title . ,(plist-get a :title))
    (kind . ,(plist-get a :kind))
    (isPreferred . ,(if (eq (plist-get a :isPreferred) t) t :json-false))
    (edit . ,(if (plist-get a :edit) t :json-false))
    (data . ,(if (plist-get a :data) t :json-false))
    (command . ,(let ((c (plist-get a :command))) (and c (plist-get c :command))))))

(defun awaitlens-pick-action (title)
  "Run `eglot-code-actions' as a user does at point, choosing TITLE from its prompt."
  (let ((last-nonmenu-event 13)          ; a keyboard event: no popup menu
        (offered nil))
    (cl-letf (((symbol-function 'completing-read)
               (lambda (_prompt items &rest _)
                 (setq offered (mapcar #'car items))
                 title)))
      (call-interactively #'eglot-code-actions))
    offered))

(defun awaitlens-line (n)
  (save-excursion (goto-char (point-min)) (forward-line (1- n))
                  (buffer-substring-no-properties (line-beginning-position) (line-end-position))))

(defun awaitlens-run ()
  (awaitlens-put 'emacs_version emacs-version)
  (awaitlens-put 'eglot_version (or (ignore-errors (package-desc-version (cadr (assq 'eglot package-alist)))) "?"))
  (awaitlens-step "open")
  (find-file (expand-file-name "src/replica.rs" awaitlens-root))
  (rust-mode)
  (awaitlens-step "connect")
  (apply #'eglot (eglot--guess-contact))
  (awaitlens-wait-for "eglot to manage the buffer" (lambda () (and (eglot-current-server) eglot--managed-mode)))
  (let ((server (eglot-current-server)))
    (awaitlens-put 'server_capabilities (eglot--capabilities server))
    (awaitlens-step "diagnostics")
    ;; Flymake would start on an idle timer; in batch it is started here, and again while waiting
    ;; so a publish that came before flymake asked is reported too.
    (awaitlens-wait-for "four findings in flymake"
                        (lambda () (flymake-start nil t) (= (length (awaitlens-diags)) 4)))
    (awaitlens-put 'initial (awaitlens-diags))

    ;; eglot's own request: the range is the region (here: exactly the diagnostic), and the
    ;; context carries the flymake diagnostics inside it.
    (awaitlens-step "code actions")
    (let* ((diag (cl-find-if (lambda (d) (equal (plist-get (cdr (assoc 'eglot-lsp-diag (flymake-diagnostic-data d))) :code)
                                                "unawaited-future"))
                             (flymake-diagnostics)))
           (actions (eglot-code-actions (flymake-diagnostic-beg diag) (flymake-diagnostic-end diag))))
      (awaitlens-put 'actions (vconcat (mapcar #'awaitlens-action-summary actions))))

    (awaitlens-step "apply quickfix")
    (goto-char (point-min)) (forward-line 70) (back-to-indentation)
    (awaitlens-put 'quickfix_offered (vconcat (awaitlens-pick-action "Add `.await`")))
    (awaitlens-put 'after_quickfix_line (awaitlens-line 71))
    (awaitlens-refresh)
    (awaitlens-wait-for "unawaited-future to clear" (lambda () (not (awaitlens-has "unawaited-future"))))
    (awaitlens-put 'after_quickfix (awaitlens-diags))

    ;; eglot 1.9 has no codeAction/resolve: the silence action must come with its edit.
    (awaitlens-step "silence")
    (goto-char (point-min)) (forward-line 78) (back-to-indentation)
    (awaitlens-put 'silence_offered (vconcat (awaitlens-pick-action "Silence unbuffered-io on this line")))
    (awaitlens-put 'after_silence_lines (vector (awaitlens-line 79) (awaitlens-line 80)))
    (awaitlens-refresh)
    (awaitlens-wait-for "unbuffered-io to clear" (lambda () (not (awaitlens-has "unbuffered-io"))))
    (awaitlens-put 'after_silence (awaitlens-diags))

    (awaitlens-step "edit")
    (goto-char (point-min)) (forward-line 27)
    (insert "    std::thread::sleep(Duration::from_millis(10));\n")
    (awaitlens-refresh)
    (awaitlens-wait-for "blocking-in-async on line 28" (lambda () (awaitlens-has "blocking-in-async" 28)))
    (awaitlens-put 'after_edit (awaitlens-diags))
    (awaitlens-put 'modified (if (buffer-modified-p) t :json-false))

    (awaitlens-put 'sent (vconcat (reverse awaitlens-sent)))
    (awaitlens-put 'action_ranges (vconcat (reverse awaitlens-action-ranges)))
    (awaitlens-step "shutdown")
    ;; What `eglot-shutdown' sends, without its jsonrpc.el (Emacs 28) deleting the process right
    ;; after `exit`: the server's own exit status is the point here.
    (let ((proc (jsonrpc--process server)))
      (setf (eglot--shutdown-requested server) t)
      (jsonrpc-request server :shutdown nil :timeout awaitlens-wait)
      (jsonrpc-notify server :exit nil)
      (awaitlens-wait-for "the server to exit" (lambda () (not (process-live-p proc))))
      (awaitlens-put 'exit (list (cons 'status (symbol-name (process-status proc)))
                                 (cons 'code (process-exit-status proc))))))
  (awaitlens-step "done"))

(condition-case err
    (progn (awaitlens-run) (kill-emacs 0))
  (error
   (awaitlens-put 'error (error-message-string err))
   (kill-emacs 1)))
